package io.wkr.server.internal.http;

import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the HTTP test classes share: a server of {@link ScriptedWorker}s with HTTP on an ephemeral
 * port, {@link HttpCalls} for it, and a stop after each test that first releases a blocked model.
 */
abstract class ScriptedHttpServer {
    protected final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();
    @TempDir protected Path dir;
    protected WKRServer server;
    protected HttpCalls http;

    /** Starts the server of {@code b} (made from {@code TestServers.config(dir)}) with HTTP. */
    protected void start(ServerConfig.Builder b) {
        server = TestServers.start(b.httpPort(0).build(), () -> new ScriptedWorker(controls));
        http = new HttpCalls(server.httpPort());
    }

    @AfterEach
    void stopServer() {
        controls.release();
        if (server != null) server.close();
    }
}

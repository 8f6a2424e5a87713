package io.wkr.server.testing;

import io.wkr.client.ClientConfig;
import io.wkr.protocol.Protocol;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRHardWorker;
import io.wkr.server.WKRServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/** Starts real servers on loopback with ephemeral ports for tests. */
public final class TestServers {
    private TestServers() {}

    /** A config bound to 127.0.0.1 on ephemeral ports, with its token and tmp files under {@code dir}. */
    public static ServerConfig.Builder config(Path dir) {
        return ServerConfig.builder()
                .bindHost("127.0.0.1")
                .portIn(0)
                .portOut(0)
                .modelDir(dir)
                .tokenFile(dir.resolve("admin.token"))
                .drainTimeout(Duration.ofSeconds(20))
                .startupTimeout(Duration.ofSeconds(30));
    }

    public static WKRServer start(ServerConfig config, Supplier<? extends WKRHardWorker<?, ?, ?>> workers) {
        WKRServer server = new WKRServer(config, workers);
        server.start();
        return server;
    }

    /** Client options for a server, with a 20 s timeout. */
    public static ClientConfig.Builder client(WKRServer server) {
        return ClientConfig.builder("127.0.0.1", server.portIn(), server.portOut())
                .protocol(server.config().protocol())
                .timeout(Duration.ofSeconds(20));
    }

    public static ClientConfig.Builder client(WKRServer server, Protocol protocol) {
        return client(server).protocol(protocol);
    }
}

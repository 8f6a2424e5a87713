package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.HttpCalls.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.WKRServer;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The connection idle timeout (here 1 s) ends a body that stopped arriving (408), but not a
 * request that waits longer than that for its model.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpIdleTimeoutTest {
    private final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();
    @TempDir Path dir;
    private WKRServer server;

    @BeforeEach
    void start() {
        System.setProperty(HttpFrontend.IDLE_TIMEOUT_PROPERTY, "1000");
        try {
            server = TestServers.start(TestServers.config(dir).numWorker(1).httpPort(0).build(),
                    () -> new ScriptedWorker(controls));
        } finally {
            System.clearProperty(HttpFrontend.IDLE_TIMEOUT_PROPERTY);
        }
    }

    @AfterEach
    void stop() {
        controls.release();
        server.close();
    }

    @Test
    void aStalledBodyIs408ButAWaitForTheModelIsNot() throws Exception {
        HttpCalls http = new HttpCalls(server.httpPort());
        CompletableFuture<HttpResponse<String>> waiting = http.sendAsync("POST", "/encode",
                "\"block\"".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        controls.awaitBlocked();
        // started after the waiting request: once it has timed out, the waiting one has been idle longer
        try (RawHttp stalled = new RawHttp(server.httpPort(), Duration.ofSeconds(20))) {
            RawHttp.Answer r = stalled.send("POST /encode HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\n"
                    + "Content-Length: 100", "[1, 2".getBytes(StandardCharsets.US_ASCII)).read();
            assertThat(r.status()).isEqualTo(408);
            assertThat(errorCode(r.body())).isEqualTo("BAD_REQUEST");
        }
        assertThat(waiting).isNotDone();
        controls.release();
        HttpResponse<String> answer = waiting.get(10, TimeUnit.SECONDS);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        assertThat(answer.body()).contains("block");
    }
}

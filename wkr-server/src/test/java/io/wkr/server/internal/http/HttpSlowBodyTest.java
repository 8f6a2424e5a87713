package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.TestServers;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A thousand clients that send their headers and a few bytes of a body, then stall: they hold
 * connections, not threads, so {@code /health} and a normal request still answer at once. When
 * they go away, each is counted as a failed request.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class HttpSlowBodyTest {
    private static final int SLOW = 1000;
    @TempDir Path dir;
    private WKRServer server;
    private final List<Socket> slow = new ArrayList<>();

    @AfterEach
    void stop() throws IOException {
        for (Socket s : slow) s.close();
        if (server != null) server.close();
    }

    @Test
    void slowBodiesDoNotStarveTheServer() throws Exception {
        server = TestServers.start(TestServers.config(dir).httpPort(0).build(), EchoTestWorker::new);
        HttpCalls http = new HttpCalls(server.httpPort());
        byte[] head = ("POST /encode HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                + "Content-Length: 100000\r\n\r\n[1,").getBytes(StandardCharsets.US_ASCII);
        for (int i = 0; i < SLOW; i++) {
            Socket s = new Socket();
            slow.add(s);
            s.connect(new InetSocketAddress("127.0.0.1", server.httpPort()), 5_000);
            s.getOutputStream().write(head);
            s.getOutputStream().flush();
        }
        Await.until(() -> server.snapshot().requests().received() == SLOW,
                Duration.ofSeconds(60), "every slow request started");
        assertThat(queueBytes()).as("the bodies being read hold memory").isPositive();

        HttpResponse<String> health = http.sendAsync("GET", "/health", null).get(5, TimeUnit.SECONDS);
        assertThat(health.statusCode()).isEqualTo(200);
        HttpResponse<String> r = http.sendAsync("POST", "/encode", "\"still serving\"".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json").get(5, TimeUnit.SECONDS);
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.body()).contains("still serving");
        assertThat(server.snapshot().requests().succeeded()).isEqualTo(1);

        for (Socket s : slow) s.close();
        Await.until(() -> server.snapshot().requests().succeeded() + server.snapshot().requests().failed() == SLOW + 1,
                Duration.ofSeconds(30), "every slow request answered as failed once its client left");
        assertThat(server.snapshot().requests().received()).isEqualTo(SLOW + 1);
        assertThat(http.sendAsync("GET", "/health", null).get(5, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        Await.until(() -> queueBytes() == 0, Duration.ofSeconds(30), "what the bodies held given back");
    }

    private long queueBytes() {
        return server.snapshot().queue().bytes();
    }
}

package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.client.ClientConfig;
import io.wkr.protocol.Protocol;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The examples are run, not just compiled. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ExamplesTest {
    @TempDir Path dir;

    private static ClientConfig client(WKRServer server, Protocol protocol) {
        return ClientConfig.builder("127.0.0.1", server.portIn(), server.portOut()).protocol(protocol)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void shouldEchoWithBothProtocols() {
        for (Protocol protocol : Protocol.values()) {
            try (WKRServer server = TestServers.start(TestServers.config(dir).protocol(protocol).build(), EchoWorker::new)) {
                ByteArrayOutputStream buf = new ByteArrayOutputStream();
                int answers = EchoClient.run(client(server, protocol), new PrintStream(buf, true, StandardCharsets.UTF_8));
                String out = buf.toString(StandardCharsets.UTF_8);
                assertThat(answers).isGreaterThanOrEqualTo(2);
                assertThat(out).contains("-> got");
                if (protocol == Protocol.NUMPY) assertThat(out).contains("[1.0, 2.0, 3.0, 4.0]");
                else assertThat(out).contains("sent hello, wkr -> got hello, wkr");
            }
        }
    }

    @Test
    void shouldBatchUnderLoadWithTheSleepWorker() throws Exception {
        try (WKRServer server = TestServers.start(
                TestServers.config(dir).numWorker(2).batchSize(32).modelName("2+0.05").build(), SleepWorker::new)) {
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            long ok = SleepClient.run(client(server, Protocol.OBJ), 32, 20, new PrintStream(buf, true, StandardCharsets.UTF_8));
            assertThat(ok).isEqualTo(32 * 20);
            assertThat(server.snapshot().batches().items()).isEqualTo(32 * 20);
            assertThat(server.snapshot().batches().count()).as("batches mix clients").isLessThan(32 * 20);
        }
    }

    @Test
    void shouldRunTheDemoEndToEnd() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        Demo.run(new PrintStream(buf, true, StandardCharsets.UTF_8));
        String out = buf.toString(StandardCharsets.UTF_8);
        assertThat(out).contains("wkr server ready").containsPattern("dashboard: http://127.0.0.1:\\d+/")
                .contains("sent hello, wkr -> got hello, wkr")
                .contains("2560 requests from 64 threads").contains("stopped cleanly");
    }
}

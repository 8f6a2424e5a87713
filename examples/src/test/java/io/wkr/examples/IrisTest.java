package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The iris example end to end: trained, saved, served, classified from Java and over HTTP. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class IrisTest {
    @TempDir Path dir;

    @Test
    void shouldClassifyTheWholeDataSetThroughWkrWithTheInProcessAccuracy() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
        Path modelDir = dir.resolve("iris-model");
        double inProcess = Iris.train(modelDir, out);
        assertThat(inProcess).as("a trained MLP separates iris well").isGreaterThanOrEqualTo(0.95);
        try (WKRServer server = TestServers.start(TestServers.config(modelDir).modelName(Iris.MODEL_NAME)
                .protocol(Protocol.NUMPY).numWorker(2).batchSize(32).httpPort(0).build(), IrisWorker::new)) {
            double served = IrisClient.classify(TestServers.client(server).build(), out);
            assertThat(served).as("served accuracy == in-process accuracy").isEqualTo(inProcess);
            assertThat(server.snapshot().batches().count()).as("150 requests in flight are batched").isLessThan(150);
            assertThat(IrisClient.classifyOverHttp("127.0.0.1", server.httpPort(), out)).isEqualTo("setosa");
        }
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("classified 150 iris flowers through wkr")
                .contains("POST /encode [5.1, 3.5, 1.4, 0.2] -> setosa");
    }
}

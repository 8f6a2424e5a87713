package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.client.WKRClient;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The ResNet example: random weights, served in batches, wrong image sizes refused. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ResNetTest {
    @TempDir Path dir;

    @Test
    void shouldServeBatchesOfImagesFromManyClients() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (WKRServer server = TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).batchSize(16)
                .modelName("resnet18@32").build(), ResNetWorker::new)) {
            double rate = ResNetClient.run(TestServers.client(server).build(), 16, 4, 32, new PrintStream(buf, true, StandardCharsets.UTF_8));
            assertThat(rate).isPositive();
            assertThat(server.snapshot().batches().items()).isEqualTo(64);
            assertThat(server.snapshot().batches().count()).as("16 callers share batches").isLessThan(64);
            try (WKRClient client = new WKRClient(TestServers.client(server).build())) {
                Tensor logits = client.encode(ResNetClient.randomImage(new Random(1), 32), Tensor.class);
                assertThat(logits.shape()).containsExactly(10);
                assertThatThrownBy(() -> client.encode(ResNetClient.randomImage(new Random(1), 64)))
                        .isInstanceOf(BadRequestException.class).hasMessageContaining("float32 [3, 32, 32]");
            }
        }
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("64 images (32x32) from 16 threads");
    }

    @Test
    void shouldRefuseABadModelName() {
        assertThatThrownBy(() -> TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).modelName("vgg16").build(),
                ResNetWorker::new).close()).isInstanceOf(IllegalStateException.class).hasMessageContaining("resnet50@224");
    }
}

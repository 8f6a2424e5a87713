package io.wkr.server.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.ParameterList;
import ai.djl.nn.core.Linear;
import io.wkr.client.WKRClient;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * DJL models served end to end on the CPU: a block with DJL parameters and a TorchScript file
 * saved by Python PyTorch, both y = x·Wᵀ + b with W = [[1,2,3],[4,5,6]], b = [0.5, -1]; and every
 * way loading or a request can go wrong, each with a clear error and no hang.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class DjlTensorWorkerTest {
    @TempDir Path dir;

    /** The affine model as a DJL block with a declared input: one float32 vector of 3. */
    public static final class AffineWorker extends DjlTensorWorker {
        @Override
        protected Block block(String modelName) {
            return Linear.builder().setUnits(2).build();
        }

        @Override
        protected TensorSpec inputSpec() {
            return TensorSpec.of(DType.FLOAT32, 3);
        }
    }

    static float[] affine(float[] x) {
        return new float[] {x[0] + 2 * x[1] + 3 * x[2] + 0.5f, 4 * x[0] + 5 * x[1] + 6 * x[2] - 1};
    }

    /** Saves the affine block's parameters as {@code dir/affine-0000.params}. */
    static Path saveAffine(Path dir) throws IOException {
        Path modelDir = Files.createDirectories(dir.resolve("affine-model"));
        try (Model model = Model.newInstance("affine", Device.cpu(), DjlEnvironment.ENGINE)) {
            Block block = new AffineWorker().block("affine");
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, new Shape(1, 3));
            ParameterList params = block.getParameters();
            params.get("weight").getArray().set(FloatBuffer.wrap(new float[] {1, 2, 3, 4, 5, 6}));
            params.get("bias").getArray().set(FloatBuffer.wrap(new float[] {0.5f, -1}));
            model.save(modelDir, "affine");
        }
        return modelDir;
    }

    private ServerConfig.Builder config(Path modelDir, String modelName) {
        return TestServers.config(dir).modelDir(modelDir).modelName(modelName).protocol(Protocol.NUMPY);
    }

    private static String startupError(ServerConfig config, Supplier<DjlTensorWorker> worker) {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> TestServers.start(config, worker).close());
        assertThat(t).as("start-up must fail").isInstanceOf(IllegalStateException.class);
        return t.getMessage();
    }

    @Test
    void shouldServeDjlParametersAsWholeBatches() throws Exception {
        Path modelDir = saveAffine(dir);
        try (WKRServer server = TestServers.start(config(modelDir, "affine").batchSize(16).build(), AffineWorker::new);
                WKRClient client = new WKRClient(TestServers.client(server).build())) {
            Random rnd = new Random(1);
            List<float[]> xs = new ArrayList<>();
            List<CompletableFuture<Object>> ys = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                float[] x = {rnd.nextInt(10) - 5, rnd.nextInt(10), rnd.nextFloat()};
                xs.add(x);
                ys.add(client.encodeAsync(Tensor.of(x)));
            }
            for (int i = 0; i < xs.size(); i++) {
                Tensor y = (Tensor) ys.get(i).get(20, TimeUnit.SECONDS);
                assertThat(y.shape()).containsExactly(2);
                assertThat(y.toFloatArray()).containsExactly(affine(xs.get(i)), org.assertj.core.data.Offset.offset(1e-4f));
            }
            assertThat(server.snapshot().batches().count()).as("requests were batched").isLessThan(200);
        }
    }

    @Test
    void shouldServeATorchScriptFileWithoutCode() throws Exception {
        Path modelDir = Files.createDirectories(dir.resolve("ts"));
        try (InputStream in = getClass().getResourceAsStream("/djl/torchscript/affine.pt")) {
            Files.copy(in, modelDir.resolve("affine.pt"));
        }
        try (WKRServer server = TestServers.start(config(modelDir, "affine").batchSize(8).build(), DjlTensorWorker::new);
                WKRClient client = new WKRClient(TestServers.client(server).build())) {
            Tensor one = client.encode(Tensor.of(new float[] {1, 1, 1}), Tensor.class);
            assertThat(one.toFloatArray()).containsExactly(6.5f, 14f);
            // No spec: a [2, 3] item is a batch of two rows to the model, and shapes may mix in one batch.
            List<CompletableFuture<Object>> ys = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                ys.add(client.encodeAsync(i % 2 == 0 ? Tensor.of(new float[] {i, 0, 0}) : Tensor.of(new float[] {0, 0, 1, 1, 0, 0}, 2, 3)));
            }
            for (int i = 0; i < 20; i++) {
                Tensor y = (Tensor) ys.get(i).get(20, TimeUnit.SECONDS);
                if (i % 2 == 0) assertThat(y.toFloatArray()).containsExactly(i + 0.5f, 4f * i - 1);
                else assertThat(y.toFloatArray()).containsExactly(3.5f, 5f, 1.5f, 3f);
            }
        }
    }

    @Test
    void shouldAnswerBadRequestForAWrongShapeAndKeepServing() throws Exception {
        Path modelDir = saveAffine(dir);
        try (WKRServer server = TestServers.start(config(modelDir, "affine").build(), AffineWorker::new);
                WKRClient client = new WKRClient(TestServers.client(server).build())) {
            CompletableFuture<Object> bad = client.encodeAsync(Tensor.of(new float[] {1, 2, 3, 4}));
            CompletableFuture<Object> good = client.encodeAsync(Tensor.of(new float[] {1, 0, 0}));
            CompletableFuture<Object> wrongType = client.encodeAsync(Tensor.of(new double[] {1, 0, 0}));
            assertThatThrownBy(() -> bad.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(BadRequestException.class)
                    .hasMessageContaining("this model takes float32 [3] inputs").hasMessageContaining("got float32 [4]");
            assertThatThrownBy(() -> wrongType.get(20, TimeUnit.SECONDS)).hasCauseInstanceOf(BadRequestException.class)
                    .hasMessageContaining("got float64 [3]");
            assertThat(((Tensor) good.get(20, TimeUnit.SECONDS)).toFloatArray()).containsExactly(1.5f, 3f);
            assertThat(client.encode(Tensor.of(new float[] {0, 1, 0}), Tensor.class).toFloatArray()).containsExactly(2.5f, 4f);
        }
    }

    @Test
    void shouldFailStartupWhenTheModelDirectoryDoesNotExist() {
        String msg = startupError(config(dir.resolve("no-such-dir"), "affine").build(), AffineWorker::new);
        assertThat(msg).contains("worker 0 failed to load its model").contains("no-such-dir").contains("holds no model");
    }

    @Test
    void shouldFailStartupWhenTheModelFileIsMissing() throws IOException {
        Path modelDir = saveAffine(dir);
        String msg = startupError(config(modelDir, "other").build(), AffineWorker::new);
        assertThat(msg).contains("cannot load model 'other'").contains("no such file").contains("affine-0000.params");
        msg = startupError(config(modelDir, "affine").build(), DjlTensorWorker::new);
        assertThat(msg).contains("cannot load TorchScript model 'affine' (affine.pt)").contains("no such file");
    }

    @Test
    void shouldFailStartupOnACorruptParameterFile() throws IOException {
        Path modelDir = saveAffine(dir);
        Path params = modelDir.resolve("affine-0000.params");
        byte[] good = Files.readAllBytes(params);
        Files.write(params, java.util.Arrays.copyOf(good, good.length / 2));
        assertThat(startupError(config(modelDir, "affine").build(), AffineWorker::new))
                .contains("cannot load model 'affine'").contains("is the file complete");
        byte[] junk = new byte[good.length];
        new Random(7).nextBytes(junk);
        Files.write(params, junk);
        assertThat(startupError(config(modelDir, "affine").build(), AffineWorker::new)).contains("cannot load model 'affine'");
    }

    @Test
    void shouldFailStartupOnACorruptTorchScriptFile() throws IOException {
        Path modelDir = Files.createDirectories(dir.resolve("ts"));
        byte[] junk = new byte[4096];
        new Random(3).nextBytes(junk);
        Files.write(modelDir.resolve("broken.pt"), junk);
        assertThat(startupError(config(modelDir, "broken").build(), DjlTensorWorker::new))
                .contains("cannot load TorchScript model 'broken'");
    }

    @Test
    void shouldFailStartupWhenTheGpuIsNotThere() throws IOException {
        Path modelDir = saveAffine(dir);
        assertThat(DjlEnvironment.engine().getGpuCount()).as("this test expects the CPU build").isZero();
        String msg = startupError(config(modelDir, "affine").deviceMap(List.of(0)).build(), AffineWorker::new);
        assertThat(msg).contains("device_map gives this worker gpu 0, but PyTorch sees 0 GPUs").contains("-Pcuda");
    }
}

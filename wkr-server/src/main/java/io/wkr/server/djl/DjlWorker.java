package io.wkr.server.djl;

import ai.djl.Device;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import io.wkr.server.WKRHardWorker;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A worker that runs on a DJL device: the device {@code -device_map} gives it ({@code -1} the CPU,
 * {@code k} GPU {@code k}), a model loaded from {@code -model_dir}/{@code -model_name} on the
 * PyTorch engine, and a fresh {@link NDManager} per batch that is closed when the batch is done,
 * so native memory stays flat however many requests pass.
 *
 * <pre>{@code
 * public final class MyWorker extends DjlWorker<Tensor, Tensor> {
 *     protected Block block(String modelName) {
 *         return Mlp(4, 3, new int[] {16, 16});   // null (the default): a TorchScript file
 *     }
 *     protected List<Tensor> predict(DjlModel model, NDManager batch, List<Tensor> inputs) throws Exception {
 *         NDList y = model.predictor().predict(new NDList(NDArrays.stack(batch, inputs, null)));
 *         return NDArrays.unstack(y.head());
 *     }
 * }
 * }</pre>
 *
 * <p>For models that take and return tensors, {@link DjlTensorWorker} already does this. The
 * hooks run on the worker's thread, like every {@link WKRHardWorker} hook.
 *
 * <p>The class turns DJL's offline mode on and its usage tracking off when it is loaded, unless
 * the user set them ({@link DjlEnvironment#offlineByDefault()}).
 *
 * @param <I> input type ({@link io.wkr.protocol.Tensor} with the {@code numpy} protocol)
 * @param <O> output type
 */
public abstract class DjlWorker<I, O> extends WKRHardWorker<DjlModel, I, O> {
    static {
        DjlEnvironment.offlineByDefault();
    }

    private static final long WARN_EVERY_NANOS = 60_000_000_000L;
    private long lastBudgetWarning = System.nanoTime() - WARN_EVERY_NANOS;

    /**
     * Resolves the worker's DJL {@link Device}; the returned value is what {@link #getModel}
     * receives as {@code env}. On the CPU it also sets PyTorch's intra-op threads for this worker
     * ({@link DjlEnvironment#cpuThreads}).
     *
     * @throws IllegalStateException when the PyTorch engine cannot start or the GPU does not exist
     */
    @Override
    public Object getEnv(int deviceId, Path tmpDir) {
        Device device = DjlEnvironment.device(deviceId);
        if (!device.isGpu()) {
            int cpuWorkers = 0;
            for (int d : config().effectiveDeviceMap()) if (d < 0) cpuWorkers++;
            // OpenMP's thread count is per calling thread: set it on the worker's own thread.
            int threads = DjlEnvironment.cpuThreads(cpuWorkers);
            JniUtils.setNumThreads(threads);
            logger().info("worker {}: PyTorch uses {} intra-op thread{} (-Dai.djl.pytorch.num_threads or OMP_NUM_THREADS "
                    + "to change)", workerId(), threads, threads == 1 ? "" : "s");
        }
        return device;
    }

    /**
     * Loads {@code modelName} from {@code modelDir} on the device: TorchScript ({@code
     * <model_name>.pt}) when {@link #block} is {@code null}, DJL parameters for the block
     * otherwise. Override to load something else, or return {@link DjlModel#deviceOnly} for a
     * worker without a model.
     *
     * @throws IllegalArgumentException when the directory or model file is missing
     * @throws IllegalStateException when the file cannot be loaded, or does not fit the GPU share
     */
    @Override
    public DjlModel getModel(Object env, Path modelDir, String modelName, Path tmpDir) throws Exception {
        Device device = (Device) env;
        requireNotEmpty(modelDir, tmpDir);
        int onDevice = 0;
        for (int d : config().effectiveDeviceMap()) if (d == deviceId()) onDevice++;
        long t0 = System.nanoTime();
        DjlModel model = DjlModel.load(device, modelDir, modelName, block(modelName), loadOptions(),
                config().gpuMemoryFraction(), Math.max(1, onDevice));
        logger().info("worker {} loaded {} from {} on {} in {} ms", workerId(), model.model().getName(), modelDir, device,
                (System.nanoTime() - t0) / 1_000_000);
        return model;
    }

    /** The server creates {@code modelDir/tmpFolder} before loading, so "empty but for it" means "not given". */
    private static void requireNotEmpty(Path modelDir, Path tmpDir) throws IOException {
        if (!Files.isDirectory(modelDir)) return;
        try (Stream<Path> files = Files.list(modelDir)) {
            if (files.allMatch(p -> tmpDir != null && p.toAbsolutePath().normalize().equals(tmpDir.toAbsolutePath().normalize()))) {
                throw new IllegalArgumentException("model directory " + modelDir.toAbsolutePath()
                        + " holds no model (it was empty or did not exist; -model_dir)");
            }
        }
    }

    /**
     * The architecture whose parameters {@code -model_dir} holds (DJL {@code .params} files, as
     * {@code Model.save} writes them), or {@code null} (the default) to load a TorchScript file.
     */
    protected Block block(String modelName) {
        return null;
    }

    /** Options for {@code Model.load}, such as {@code epoch} or {@code mapLocation}. Default: none. */
    protected Map<String, ?> loadOptions() {
        return Map.of();
    }

    /**
     * Runs one batch inside a fresh {@link NDManager} on the worker's device, closes it, and
     * applies the GPU memory budget. Outputs must not be {@code NDArray}s of that manager: convert
     * them (for instance with {@link NDArrays#unstack}) inside {@link #predict(DjlModel,
     * NDManager, List)}.
     */
    @Override
    public final List<O> predict(DjlModel model, List<I> inputs) throws Exception {
        List<O> out;
        try (NDManager batch = model.newBatchManager()) {
            out = predict(model, batch, inputs);
        }
        long over = model.afterBatch();
        if (over > 0) {
            recordStatistic(Map.of("gpu_memory_over_budget_mib", over >> 20));
            long now = System.nanoTime();
            if (now - lastBudgetWarning >= WARN_EVERY_NANOS) {
                lastBudgetWarning = now;
                logger().warn("worker {}: the GPU holds {} MiB more than -gpu_memory_fraction {} allows, after emptying "
                        + "PyTorch's cache", workerId(), over >> 20, config().gpuMemoryFraction());
            }
        }
        return out;
    }

    /**
     * Runs one batch. Create NDArrays from {@code batch} (or from operations on arrays of it): they
     * are freed when this returns. Returns one output per input, in order.
     */
    protected abstract List<O> predict(DjlModel model, NDManager batch, List<I> inputs) throws Exception;

    @Override
    public void close(DjlModel model) {
        if (model != null) model.close();
    }
}

package io.wkr.server.djl;

import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.Model;
import ai.djl.engine.EngineException;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.nn.Block;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.translate.NoopTranslator;
import ai.djl.util.cuda.CudaUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.MemoryUsage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * One worker's loaded model: a DJL {@link Model} on the worker's {@link Device}, a {@link
 * Predictor} that runs a whole batch as one forward pass, and, on a GPU, the worker's {@link
 * GpuMemoryBudget}. Confined to its worker's thread, like the predictor inside it.
 *
 * <p>Two kinds of model directory load: a TorchScript file ({@code <model_name>.pt}, what {@code
 * torch.jit.trace}/{@code torch.jit.script} and {@code .save} write in Python), when no block is
 * given; and DJL parameters ({@code <model_name>-0001.params}, what {@code Model.save} writes) for
 * a block whose architecture the worker builds in code.
 */
public final class DjlModel implements AutoCloseable {
    /**
     * The memory in use on each GPU before this process loaded its first model there, and one load
     * at a time per GPU, so each load's footprint can be measured. Process-wide because libtorch's
     * CUDA allocator, which it mirrors, is process-wide.
     */
    private static final Map<Integer, Long> GPU_BASELINE = new ConcurrentHashMap<>();

    private static final Map<Integer, Object> GPU_LOAD_LOCK = new ConcurrentHashMap<>();

    private final Device device;
    private final Model model;
    private final Predictor<NDList, NDList> predictor;
    private final GpuMemoryBudget budget;
    private final NDManager ownManager;

    private DjlModel(Device device, Model model, GpuMemoryBudget budget) {
        this.device = device;
        this.model = model;
        this.ownManager = model == null ? NDManager.newBaseManager(device, DjlEnvironment.ENGINE) : null;
        this.predictor = model == null ? null : model.newPredictor(new NoopTranslator());
        this.budget = budget;
    }

    /**
     * No model, only a device: for workers that run their own NDArray operations (see the image
     * example).
     */
    public static DjlModel deviceOnly(Device device) {
        return new DjlModel(device, null, null);
    }

    /**
     * A model built in code with fresh (random) weights and nothing loaded from disk: for
     * benchmarks and examples such as a ResNet whose throughput matters, not its answers.
     *
     * @param inputShape the shape of one input batch, to initialise the parameters
     */
    public static DjlModel initialized(Device device, String name, Block block, ai.djl.ndarray.types.Shape inputShape) {
        Model model = Model.newInstance(name, device, DjlEnvironment.ENGINE);
        model.setBlock(block);
        block.initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, inputShape);
        return new DjlModel(device, model, null);
    }

    /**
     * Loads a model from a directory.
     *
     * @param block the architecture for DJL parameter files, {@code null} for TorchScript
     * @param options passed to {@link Model#load(Path, String, Map)} ({@code epoch}, {@code
     *     mapLocation}, ...); for TorchScript {@code mapLocation=true} is the default, so a model
     *     saved on a GPU loads on the CPU and the other way round
     * @param gpuMemoryFraction {@code -gpu_memory_fraction}, used on GPUs only
     * @param workersOnDevice how many workers share this worker's device
     * @throws IllegalArgumentException when the directory or the model file is missing, or the
     *     workers on a GPU ask for more than all its memory
     * @throws IllegalStateException when the file is not a model the engine can load, or the model
     *     does not fit the worker's GPU memory share
     */
    public static DjlModel load(Device device, Path modelDir, String modelName, Block block, Map<String, ?> options,
            double gpuMemoryFraction, int workersOnDevice) {
        if (!Files.exists(modelDir)) {
            throw new IllegalArgumentException("model directory " + modelDir.toAbsolutePath() + " does not exist (-model_dir)");
        }
        String name = modelName != null ? modelName : String.valueOf(modelDir.toAbsolutePath().getFileName());
        if (!device.isGpu()) return new DjlModel(device, loadModel(device, modelDir, modelName, name, block, options), null);
        Object lock = GPU_LOAD_LOCK.computeIfAbsent(device.getDeviceId(), k -> new Object());
        synchronized (lock) {
            CudaProbe probe = new CudaProbe(device);
            long before = probe.used();
            long baseline = GPU_BASELINE.computeIfAbsent(device.getDeviceId(), k -> before);
            GpuMemoryBudget budget = new GpuMemoryBudget(gpuMemoryFraction, workersOnDevice, baseline, probe);
            Model model = loadModel(device, modelDir, modelName, name, block, options);
            try {
                budget.checkLoad(before, probe.used());
            } catch (RuntimeException e) {
                model.close();
                throw e;
            }
            return new DjlModel(device, model, budget);
        }
    }

    private static Model loadModel(Device device, Path modelDir, String modelName, String name, Block block, Map<String, ?> options) {
        Map<String, Object> opts = new HashMap<>();
        if (block == null) opts.put("mapLocation", "true");
        opts.putAll(options);
        Model model = Model.newInstance(name, device, DjlEnvironment.ENGINE);
        if (block != null) model.setBlock(block);
        try {
            model.load(modelDir, modelName, opts);
            if (block != null) requireLoaded(block);
            return model;
        } catch (IOException | MalformedModelException | EngineException | IllegalArgumentException | IllegalStateException
                | UnsupportedOperationException | ArithmeticException | IndexOutOfBoundsException e) {
            model.close();
            String what = block == null ? "TorchScript model '" + name + "' (" + name + ".pt)"
                    : "model '" + name + "' (DJL parameters " + name + "-NNNN.params for " + block.getClass().getSimpleName() + ")";
            boolean missing = e instanceof java.io.FileNotFoundException
                    || (e instanceof IOException && String.valueOf(e.getMessage()).contains("not found"));
            String msg = "cannot load " + what + " from " + modelDir.toAbsolutePath() + ": "
                    + (missing ? "no such file" : (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()))
                    + "; the directory holds " + listing(modelDir);
            if (missing) throw new IllegalArgumentException(msg, e);
            throw new IllegalStateException(msg + " (is the file complete, and saved for this block or as TorchScript?)", e);
        }
    }

    /**
     * DJL skips a parameter file whose header is not {@code DJL@} without a word and leaves the
     * block without weights; refuse that instead of serving garbage.
     */
    private static void requireLoaded(Block block) throws MalformedModelException {
        List<String> unset = new java.util.ArrayList<>();
        block.getParameters().forEach(p -> {
            if (!p.getValue().isInitialized()) unset.add(p.getKey());
        });
        if (!unset.isEmpty()) {
            throw new MalformedModelException("the parameter file is not a DJL parameter file (no DJL@ header) or does not "
                    + "fit the block; parameters left unset: " + unset);
        }
    }

    private static String listing(Path dir) {
        if (!Files.isDirectory(dir)) return "nothing (it is a file)";
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(p -> p.getFileName() + (Files.isDirectory(p) ? "/" : "")).sorted().limit(20).toList();
            return names.isEmpty() ? "nothing" : names.toString();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Device device() {
        return device;
    }

    /** The DJL model, {@code null} for {@link #deviceOnly}. */
    public Model model() {
        return model;
    }

    /** Runs one {@code NDList} (a whole batch) through the model; not thread-safe. */
    public Predictor<NDList, NDList> predictor() {
        if (predictor == null) throw new IllegalStateException("this worker has no model, only a device");
        return predictor;
    }

    /**
     * A manager for one batch on the model's device: every {@code NDArray} created from it, or by
     * operations on such arrays, is freed when it is closed.
     */
    public NDManager newBatchManager() {
        return (model != null ? model.getNDManager() : ownManager).newSubManager(device);
    }

    /**
     * Applies the GPU memory budget after a batch; see {@link GpuMemoryBudget#afterBatch()}.
     *
     * @return bytes over the worker's share after emptying PyTorch's cache, 0 on the CPU
     */
    long afterBatch() {
        return budget == null ? 0 : budget.afterBatch();
    }

    @Override
    public void close() {
        if (predictor != null) predictor.close();
        if (model != null) model.close();
        if (ownManager != null) ownManager.close();
    }

    /** GPU memory from the CUDA driver, cache release through libtorch. */
    private record CudaProbe(Device device) implements GpuMemoryBudget.Probe {
        @Override
        public long used() {
            MemoryUsage m = CudaUtils.getGpuMemory(device);
            return m.getCommitted();
        }

        @Override
        public long total() {
            return CudaUtils.getGpuMemory(device).getMax();
        }

        @Override
        public void releaseCache() {
            JniUtils.emptyCudaCache();
        }
    }
}

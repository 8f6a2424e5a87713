package io.wkr.server.djl;

import ai.djl.Device;
import ai.djl.engine.Engine;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Process-wide DJL settings wkr relies on, and the mapping from wkr device ids to DJL devices.
 *
 * <p>DJL reads its settings when its engine first loads, so {@link #offlineByDefault()} must run
 * before any model or {@code NDManager} is created; {@link DjlWorker} calls it when its class is
 * initialised, and the launchers, tests and examples set the same values on the command line.
 */
public final class DjlEnvironment {
    private static final Logger logger = LoggerFactory.getLogger(DjlEnvironment.class);

    /** DJL's engine name for PyTorch. */
    public static final String ENGINE = "PyTorch";

    private DjlEnvironment() {}

    /**
     * Turns DJL's offline mode on ({@code ai.djl.offline=true}: no model-zoo look-ups, no native
     * downloads) and its usage tracking off ({@code OPT_OUT_TRACKING=true}: no call to an outside
     * address when the engine starts), each unless the user set it as a system property or
     * environment variable. Warns when {@code PYTORCH_VERSION} or {@code PYTORCH_FLAVOR} is set:
     * either makes DJL look for a libtorch build to download instead of the one in the {@code
     * pytorch-native-*} jar.
     */
    public static void offlineByDefault() {
        if (System.getProperty("ai.djl.offline") == null && System.getenv("DJL_OFFLINE") == null) {
            System.setProperty("ai.djl.offline", "true");
        }
        if (System.getProperty("OPT_OUT_TRACKING") == null && System.getenv("OPT_OUT_TRACKING") == null) {
            System.setProperty("OPT_OUT_TRACKING", "true");
        }
        for (String name : new String[] {"PYTORCH_VERSION", "PYTORCH_FLAVOR"}) {
            if (System.getenv(name) != null || System.getProperty(name) != null) {
                logger.warn("{} is set: DJL will look for a libtorch build to download instead of using the "
                        + "pytorch-native jar on the class path; unset it", name);
            }
        }
    }

    /**
     * How many intra-op threads PyTorch should use in one CPU worker: the system property {@code
     * ai.djl.pytorch.num_threads} or the environment variable {@code OMP_NUM_THREADS} when set,
     * else the cores divided among the CPU workers (at least 1). More threads than cores make
     * OpenMP's spinning threads fight each other and the server's own threads: on a 2-core machine
     * under load an MLP ran 30-100 times slower with 2 threads per worker than with 1.
     */
    public static int cpuThreads(int cpuWorkers) {
        for (String v : new String[] {System.getProperty("ai.djl.pytorch.num_threads"), System.getenv("OMP_NUM_THREADS")}) {
            if (v != null && v.trim().matches("\\d+") && Integer.parseInt(v.trim()) > 0) return Integer.parseInt(v.trim());
        }
        return Math.max(1, Runtime.getRuntime().availableProcessors() / Math.max(1, cpuWorkers));
    }

    /** The PyTorch engine, with a message that says what to add when it is missing. */
    public static Engine engine() {
        try {
            return Engine.getEngine(ENGINE);
        } catch (RuntimeException e) {
            throw new IllegalStateException("DJL's PyTorch engine cannot start: " + e.getMessage()
                    + " (the class path needs ai.djl.pytorch:pytorch-engine, pytorch-jni and a pytorch-native-* jar; "
                    + "see docs/djl.md)", e);
        }
    }

    /**
     * The DJL device for a wkr device id: {@code -1} is the CPU, {@code k} is GPU {@code k}.
     *
     * @throws IllegalStateException when GPU {@code k} is asked for and PyTorch does not see it
     */
    public static Device device(int deviceId) {
        if (deviceId < -1) throw new IllegalArgumentException("device id < -1: " + deviceId);
        Engine engine = engine();
        if (deviceId == -1) return Device.cpu();
        int gpus = engine.getGpuCount();
        if (deviceId >= gpus) {
            throw new IllegalStateException("device_map gives this worker gpu " + deviceId + ", but PyTorch sees "
                    + gpus + " GPU" + (gpus == 1 ? "" : "s")
                    + (gpus == 0 ? " (the CPU build of libtorch is on the class path, or there is no CUDA driver: "
                            + "build with -Pcuda on a GPU machine, or run with -device_map -1 or -cpu)" : ""));
        }
        return Device.gpu(deviceId);
    }
}

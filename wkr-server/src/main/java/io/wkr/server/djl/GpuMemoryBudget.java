package io.wkr.server.djl;

import java.util.Locale;

/**
 * What {@code -gpu_memory_fraction F} means for PyTorch workers. libtorch has no per-process cap
 * that DJL exposes (Python's {@code torch.cuda.set_per_process_memory_fraction} is not in its
 * JNI), so wkr enforces the share as a budget it measures:
 *
 * <ol>
 *   <li>at start-up, the workers sharing a GPU must fit: {@code workers × F ≤ 1}, else the worker
 *       fails with a message saying so;
 *   <li>loading a model may take at most {@code F × total} of the GPU's memory (measured around
 *       the load), else the worker fails with the measured size and the fraction that would fit;
 *   <li>after each batch, when the GPU's used memory is above what this process was allowed ({@code
 *       baseline + workers × F × total}), PyTorch's CUDA cache is emptied (cached blocks go back to
 *       the driver); if it is still above, the overshoot is reported.
 * </ol>
 *
 * <p>The budget is per worker; one instance per worker, confined to the worker's thread. The
 * memory figures come from a {@link Probe} (the CUDA driver's {@code cudaMemGetInfo} in
 * production, a fake in tests).
 */
public final class GpuMemoryBudget {

    /** The GPU's memory as the driver reports it, and PyTorch's cache release. */
    public interface Probe {
        /** Bytes in use on the device, by every process. */
        long used();

        /** The device's total memory in bytes. */
        long total();

        /** Gives PyTorch's cached, unused blocks back to the driver. */
        void releaseCache();
    }

    private final double fraction;
    private final int workersOnDevice;
    private final Probe probe;
    private final long baseline;

    /**
     * @param fraction {@code -gpu_memory_fraction}
     * @param workersOnDevice how many workers of this server share the device
     * @param baseline bytes in use on the device before this server loaded anything on it
     * @throws IllegalArgumentException when {@code workersOnDevice × fraction > 1}
     */
    public GpuMemoryBudget(double fraction, int workersOnDevice, long baseline, Probe probe) {
        if (!(fraction > 0 && fraction <= 1)) throw new IllegalArgumentException("gpu_memory_fraction not in (0, 1]: " + fraction);
        if (workersOnDevice < 1) throw new IllegalArgumentException("workersOnDevice < 1: " + workersOnDevice);
        if (workersOnDevice * fraction > 1.0 + 1e-9) {
            throw new IllegalArgumentException(String.format(Locale.ROOT,
                    "%d workers share this GPU with -gpu_memory_fraction %.2f each: %.2f of its memory is more than it has; "
                            + "use -gpu_memory_fraction %.2f or less, or fewer workers on it (-num_worker, -device_map)",
                    workersOnDevice, fraction, workersOnDevice * fraction, Math.floor(100.0 / workersOnDevice) / 100));
        }
        this.fraction = fraction;
        this.workersOnDevice = workersOnDevice;
        this.baseline = baseline;
        this.probe = probe;
    }

    /** The bytes one worker may use: {@code fraction × total}. */
    public long perWorkerBytes() {
        return (long) (fraction * probe.total());
    }

    /** The bytes the whole process may use on the device above the baseline. */
    public long processBytes() {
        return (long) (Math.min(1.0, fraction * workersOnDevice) * probe.total());
    }

    /**
     * Checks a model load measured around it.
     *
     * @throws IllegalStateException when the model took more than one worker's share
     */
    public void checkLoad(long usedBefore, long usedAfter) {
        long took = Math.max(0, usedAfter - usedBefore);
        if (took > perWorkerBytes()) {
            double needed = (double) took / probe.total();
            throw new IllegalStateException(String.format(Locale.ROOT,
                    "the model took %d MiB of GPU memory to load, more than -gpu_memory_fraction %.2f allows (%d MiB of %d MiB); "
                            + "use -gpu_memory_fraction %.2f or more",
                    took >> 20, fraction, perWorkerBytes() >> 20, probe.total() >> 20, Math.ceil(needed * 100) / 100 + 0.05));
        }
    }

    /**
     * Called after a batch: empties PyTorch's CUDA cache when the process is over its share.
     *
     * @return the bytes still over the share after that (0 when within it)
     */
    public long afterBatch() {
        long over = probe.used() - baseline - processBytes();
        if (over <= 0) return 0;
        probe.releaseCache();
        return Math.max(0, probe.used() - baseline - processBytes());
    }
}

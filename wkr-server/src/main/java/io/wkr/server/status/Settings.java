package io.wkr.server.status;

import io.wkr.server.config.ServerConfig;
import java.util.List;

/**
 * A server's configuration as the status reports it (top-level keys, with the original's names
 * and units where it had the option).
 *
 * @param numWorker workers
 * @param batchSize largest batch handed to {@code predict}
 * @param batchGroupTimeout milliseconds a batch may wait for more requests
 * @param deviceMap as configured
 * @param mainDeviceMap the device of each worker: the map cycled over {@code numWorker}, all
 *     {@code -1} with {@code cpu}
 * @param cpu every worker on the CPU
 * @param gpuMemoryFraction share of GPU memory a worker may use
 * @param modelDir as configured (a path)
 * @param modelName as configured, may be null
 * @param tmpFolder as configured
 * @param maxQueueSize requests that may wait for a worker
 * @param maxRequestBytes largest payload accepted
 * @param maxQueueBytes bytes admitted requests may hold (as resolved from the heap)
 * @param maxReplyBytes bytes replies may hold while they wait (as resolved from the heap)
 * @param slowSubscriberTimeout seconds a reply connection may stall before it is closed
 * @param requestTimeoutMs deadline of requests that bring none, 0 for none
 * @param workerMode {@code thread} or {@code process}
 * @param numWorkerExpanded the pool's upper bound (the elastic pool's; {@code numWorker} when fixed)
 */
public record Settings(
        int numWorker,
        int batchSize,
        long batchGroupTimeout,
        List<Integer> deviceMap,
        List<Integer> mainDeviceMap,
        boolean cpu,
        double gpuMemoryFraction,
        String modelDir,
        String modelName,
        String tmpFolder,
        int maxQueueSize,
        int maxRequestBytes,
        long maxQueueBytes,
        long maxReplyBytes,
        long slowSubscriberTimeout,
        long requestTimeoutMs,
        String workerMode,
        int numWorkerExpanded) {

    public Settings {
        deviceMap = List.copyOf(deviceMap);
        mainDeviceMap = List.copyOf(mainDeviceMap);
    }

    /** The settings of {@code config}. */
    public static Settings of(ServerConfig config) {
        return new Settings(config.numWorker(), config.batchSize(), config.batchGroupTimeout().toMillis(),
                config.deviceMap(), config.effectiveDeviceMap(), config.cpu(), config.gpuMemoryFraction(),
                config.modelDir().toString(), config.modelName(), config.tmpFolder(), config.maxQueueSize(),
                config.maxRequestBytes(), config.maxQueueBytes(), config.maxReplyBytes(),
                config.slowSubscriberTimeout().toSeconds(), config.requestTimeout().toMillis(),
                config.workerMode().name().toLowerCase(java.util.Locale.ROOT), config.maxWorkers());
    }

    /** The original's {@code main_batch_size}: the same as {@link #batchSize()}. */
    public int mainBatchSize() {
        return batchSize;
    }
}

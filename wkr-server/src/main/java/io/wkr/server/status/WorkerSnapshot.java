package io.wkr.server.status;

import java.util.Objects;

/**
 * One worker (an entry of {@code workers}).
 *
 * @param id the worker's index, 0 to {@code num_worker - 1}
 * @param device its device: {@code -1} the CPU, {@code k} GPU k
 * @param state what it is doing
 * @param batches batches it ran
 * @param items inputs in those batches
 * @param failedBatches of those, batches that failed
 * @param restarts times it was replaced after a fatal error
 * @param busySeconds time spent running batches
 * @param lastError the last failure it saw, null when none
 */
public record WorkerSnapshot(
        int id,
        int device,
        WorkerState state,
        long batches,
        long items,
        long failedBatches,
        long restarts,
        double busySeconds,
        String lastError) {

    public WorkerSnapshot {
        Objects.requireNonNull(state, "state == null");
    }
}

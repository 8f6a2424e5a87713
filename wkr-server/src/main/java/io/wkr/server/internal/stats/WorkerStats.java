package io.wkr.server.internal.stats;

import io.wkr.server.status.WorkerSnapshot;
import io.wkr.server.status.WorkerState;
import java.util.concurrent.atomic.AtomicLong;

/** Per-worker state and counters; written by that worker's thread, read as a {@link WorkerSnapshot}. */
public final class WorkerStats {
    private final int workerId;
    private final int deviceId;
    private volatile WorkerState state = WorkerState.LOADING;
    private volatile String lastError;
    private volatile long stateSinceNanos = System.nanoTime();
    private final AtomicLong batches = new AtomicLong();
    private final AtomicLong items = new AtomicLong();
    private final AtomicLong failedBatches = new AtomicLong();
    private final AtomicLong restarts = new AtomicLong();
    private final AtomicLong busyNanos = new AtomicLong();

    public WorkerStats(int workerId, int deviceId) {
        this.workerId = workerId;
        this.deviceId = deviceId;
    }

    public int workerId() {
        return workerId;
    }

    public WorkerState state() {
        return state;
    }

    public void state(WorkerState s) {
        long now = System.nanoTime();
        if (state == WorkerState.BUSY) busyNanos.addAndGet(now - stateSinceNanos);
        state = s;
        stateSinceNanos = now;
    }

    public void batchDone(int size, boolean failed) {
        batches.incrementAndGet();
        items.addAndGet(size);
        if (failed) failedBatches.incrementAndGet();
    }

    public void failed(String error) {
        lastError = error;
    }

    public void restarted() {
        restarts.incrementAndGet();
    }

    /** Nanoseconds spent running batches so far, the current one included. */
    public long busyNanos() {
        WorkerState s = state;
        long since = stateSinceNanos;
        return busyNanos.get() + (s == WorkerState.BUSY ? System.nanoTime() - since : 0);
    }

    public WorkerSnapshot snapshot() {
        WorkerState s = state;
        long since = stateSinceNanos;
        long busy = busyNanos.get() + (s == WorkerState.BUSY ? System.nanoTime() - since : 0);
        return new WorkerSnapshot(workerId, deviceId, s, batches.get(), items.get(), failedBatches.get(),
                restarts.get(), busy / 1e9, lastError);
    }
}

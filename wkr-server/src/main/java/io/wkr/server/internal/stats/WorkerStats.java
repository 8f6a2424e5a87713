package io.wkr.server.internal.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/** Per-worker state and counters; written by that worker's thread, read by anyone. */
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

    public int deviceId() {
        return deviceId;
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

    public long restarts() {
        return restarts.get();
    }

    public long batches() {
        return batches.get();
    }

    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", workerId);
        m.put("device", deviceId);
        m.put("state", state.name());
        m.put("batches", batches.get());
        m.put("items", items.get());
        m.put("failed_batches", failedBatches.get());
        m.put("restarts", restarts.get());
        long busy = busyNanos.get() + (state == WorkerState.BUSY ? System.nanoTime() - stateSinceNanos : 0);
        m.put("busy_seconds", busy / 1e9);
        m.put("last_error", lastError);
        return m;
    }
}

package io.wkr.server.internal.batching;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import java.util.function.IntSupplier;

/**
 * The one way into the job queue, shared by every frontend (ZeroMQ and HTTP): refuses work while
 * draining or with no worker alive, and answers {@code OVERLOADED} at once when the queue is full,
 * in requests ({@code -max_queue_size}) or in bytes ({@code -max_queue_bytes}: what admitted
 * requests hold until they are answered). Thread-safe.
 */
public final class Admission {
    private final JobQueue queue;
    private final ServerStats stats;
    private final IntSupplier aliveWorkers;
    private final MemoryBudget memory;
    private volatile boolean draining;

    /**
     * @param memory what admitted requests may hold in bytes until they are answered
     *     ({@code -max_queue_bytes})
     */
    public Admission(JobQueue queue, MemoryBudget memory, ServerStats stats, IntSupplier aliveWorkers) {
        this.queue = queue;
        this.memory = memory;
        this.stats = stats;
        this.aliveWorkers = aliveWorkers;
    }

    /** The budget admitted requests hold their bytes in. */
    public MemoryBudget memory() {
        return memory;
    }

    /** From now on every new job is answered {@code SHUTTING_DOWN}. */
    public void startDraining() {
        draining = true;
    }

    public boolean draining() {
        return draining;
    }

    public JobQueue queue() {
        return queue;
    }

    /** Why a request of {@code bytes} would be refused right now, or null when it would be queued. */
    public Refusal refusal(long bytes) {
        Refusal r = closed();
        if (r != null) return r;
        if (queue.size() >= queue.capacity()) return queueFull();
        if (bytes > memory.free()) return memoryFull(bytes);
        return null;
    }

    /** Why no request is taken now (draining, no worker), or null. */
    private Refusal closed() {
        if (draining) return new Refusal(ErrorCode.SHUTTING_DOWN, "server is draining and takes no new requests");
        if (aliveWorkers.getAsInt() == 0) return new Refusal(ErrorCode.WORKER_FAILED, "no worker is alive to run this request");
        return null;
    }

    /** A reason to refuse a request before it is queued. */
    public record Refusal(ErrorCode code, String message) {}

    private Refusal queueFull() {
        return new Refusal(ErrorCode.OVERLOADED, "queue full (" + queue.capacity() + " requests waiting); retry later");
    }

    private Refusal memoryFull(long bytes) {
        return new Refusal(ErrorCode.OVERLOADED, "queue full: queued requests hold " + memory.used() + " of "
                + memory.limit() + " bytes (-" + memory.name() + "), this one needs " + bytes + "; retry later");
    }

    /**
     * Queues the job, or answers it at once with the reason it cannot be queued. The job's bytes
     * are taken from the memory budget here, unless it {@linkplain Job#adopt already holds them}.
     *
     * @return true when queued
     */
    public boolean admit(Job job) {
        Refusal r = closed();
        if (r == null && !job.holds() && !job.hold(memory)) r = memoryFull(job.bytes());
        if (r == null && !queue.offer(job)) r = queueFull();
        if (r != null) {
            job.fail(r.code(), r.message()); // gives back what the job holds
            return false;
        }
        stats.accepted();
        return true;
    }
}

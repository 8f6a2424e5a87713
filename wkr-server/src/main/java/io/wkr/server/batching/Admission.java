package io.wkr.server.batching;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.stats.ServerStats;
import java.util.function.IntSupplier;

/**
 * The one way into the job queue, shared by every frontend (ZeroMQ and HTTP): refuses work while
 * draining or with no worker alive, and answers {@code OVERLOADED} at once when the queue is full.
 * Thread-safe.
 */
public final class Admission {
    private final JobQueue queue;
    private final ServerStats stats;
    private final IntSupplier aliveWorkers;
    private volatile boolean draining;

    public Admission(JobQueue queue, ServerStats stats, IntSupplier aliveWorkers) {
        this.queue = queue;
        this.stats = stats;
        this.aliveWorkers = aliveWorkers;
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

    /**
     * Queues the job, or answers it at once with the reason it cannot be queued.
     *
     * @return true when queued
     */
    public boolean admit(Job job) {
        if (draining) {
            job.fail(ErrorCode.SHUTTING_DOWN, "server is draining and takes no new requests");
            return false;
        }
        if (aliveWorkers.getAsInt() == 0) {
            job.fail(ErrorCode.WORKER_FAILED, "no worker is alive to run this request");
            return false;
        }
        if (!queue.offer(job)) {
            job.fail(ErrorCode.OVERLOADED, "queue full (" + queue.capacity() + " requests waiting); retry later");
            return false;
        }
        stats.accepted.increment();
        return true;
    }
}

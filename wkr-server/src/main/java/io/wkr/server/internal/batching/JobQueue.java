package io.wkr.server.internal.batching;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The bounded FIFO queue between the ventilator and the workers, and the batching rule. The
 * ventilator {@link #offer}s (never blocks: a full queue is answered {@code OVERLOADED}); each free
 * worker calls {@link #takeBatch} and gets up to {@code batchSize} jobs from any clients.
 *
 * <p>Batching is dynamic: a worker takes the first job, then whatever is already queued. Only if
 * {@code maxDelay > 0} does it wait for more, until {@code maxDelay} after it took the first job;
 * it never waits when the batch is full. Thread-safe.
 */
public final class JobQueue {
    private final ArrayBlockingQueue<Job> queue;
    private final int capacity;

    public JobQueue(int capacity) {
        this.capacity = capacity;
        this.queue = new ArrayBlockingQueue<>(capacity);
    }

    /** Adds a job; false when the queue is full. */
    public boolean offer(Job job) {
        return queue.offer(job);
    }

    public int size() {
        return queue.size();
    }

    public int capacity() {
        return capacity;
    }

    /**
     * Takes the next batch: waits up to {@code poll} for a first job, returns an empty list if
     * none came, else the batch (1 to {@code batchSize} jobs in arrival order).
     */
    public List<Job> takeBatch(int batchSize, Duration maxDelay, Duration poll) throws InterruptedException {
        Job first = queue.poll(poll.toNanos(), TimeUnit.NANOSECONDS);
        if (first == null) return List.of();
        List<Job> batch = new ArrayList<>(Math.min(batchSize, 64));
        batch.add(first);
        if (batchSize > 1) queue.drainTo(batch, batchSize - 1);
        if (!maxDelay.isZero() && batch.size() < batchSize) {
            long deadline = System.nanoTime() + maxDelay.toNanos();
            while (batch.size() < batchSize) {
                long left = deadline - System.nanoTime();
                if (left <= 0) break;
                Job next = queue.poll(left, TimeUnit.NANOSECONDS);
                if (next == null) break;
                batch.add(next);
                queue.drainTo(batch, batchSize - batch.size());
            }
        }
        return batch;
    }

    /**
     * Removes every queued job whose deadline has passed and returns them, for the caller to
     * answer {@code TIMEOUT} at once even while every worker is busy with a long batch (Triton
     * users reported queue timeouts that only fired after the running request finished,
     * triton#7512). The jobs are answered outside the queue's lock.
     */
    public List<Job> removeExpired(long nowNanos) {
        List<Job> expired = new ArrayList<>();
        queue.removeIf(job -> job.expired(nowNanos) && expired.add(job));
        return expired;
    }

    /** Removes every queued job (used when a drain gives up). */
    public List<Job> drainAll() {
        List<Job> out = new ArrayList<>();
        queue.drainTo(out);
        return out;
    }
}

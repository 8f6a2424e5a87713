package io.wkr.server.internal;

import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A number of bytes shared by the threads that hold request or reply data: they reserve before
 * they keep data and release when they let go of it. {@link #tryReserve} refuses past the limit
 * (the caller answers {@code OVERLOADED} or drops); {@link #reserveWithin} waits for room
 * (backpressure); {@link #reserve} never refuses, for data that is already held and must be
 * accounted for. Thread-safe; lock-free unless someone waits.
 */
public final class MemoryBudget {
    private final String name;
    private final long limit;
    /** Bytes {@link #reserveWithin} leaves free for {@link #tryReserve}: kept for those that must not wait. */
    private final long headroom;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();
    private final Object lock = new Object();
    /** Waiters in arrival order; only the first may reserve. Guarded by {@link #lock}. */
    private final ArrayDeque<Object> queue = new ArrayDeque<>();
    /** Threads waiting in {@link #reserveWithin}; read without the lock by {@link #release}. */
    private volatile int waiters;

    /**
     * @param name what the budget is for, as options and messages call it ({@code max_queue_bytes})
     * @param limit bytes; at least 1
     */
    public MemoryBudget(String name, long limit) {
        this(name, limit, 0);
    }

    /**
     * @param headroom bytes that {@link #reserveWithin} leaves free, for {@link #tryReserve} callers
     *     that must not wait (error replies given by the thread that reads every client, say)
     */
    public MemoryBudget(String name, long limit, long headroom) {
        if (limit < 1) throw new IllegalArgumentException(name + " < 1: " + limit);
        if (headroom < 0 || headroom >= limit) throw new IllegalArgumentException("headroom not in 0.." + (limit - 1));
        this.name = name;
        this.limit = limit;
        this.headroom = headroom;
    }

    /** Reserves {@code bytes} if they fit under the limit; false (nothing reserved) otherwise. */
    public boolean tryReserve(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes < 0: " + bytes);
        return tryReserve(bytes, limit, false);
    }

    /**
     * Reserves {@code bytes}, waiting up to {@code timeoutNanos} for room below the limit less the
     * headroom. Waiters are served in the order they came, and while anyone waits a newcomer waits
     * behind them, so a large amount is not passed over by small ones forever. An amount larger than the whole limit is granted
     * when nothing else is reserved, so it waits for the budget to empty instead of forever.
     *
     * @return false, holding nothing, when no room came in time
     */
    public boolean reserveWithin(long bytes, long timeoutNanos) throws InterruptedException {
        if (bytes < 0) throw new IllegalArgumentException("bytes < 0: " + bytes);
        if (waiters == 0 && tryReserve(bytes, limit - headroom, true)) return true;
        long deadline = System.nanoTime() + timeoutNanos;
        synchronized (lock) {
            Object me = new Object();
            queue.addLast(me);
            waiters++;
            try {
                while (queue.peekFirst() != me || !tryReserve(bytes, limit - headroom, true)) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) return false;
                    TimeUnit.NANOSECONDS.timedWait(lock, left);
                }
                return true;
            } finally {
                queue.remove(me);
                waiters--;
                lock.notifyAll(); // the next in line may go now
            }
        }
    }

    /** Reserves if {@code used + bytes <= max}, or (with {@code alone}) if nothing is reserved at all. */
    private boolean tryReserve(long bytes, long max, boolean alone) {
        while (true) {
            long u = used.get();
            long next = u + bytes;
            if ((next > max && !(alone && u == 0)) || next < 0) return false;
            if (used.compareAndSet(u, next)) {
                notePeak(next);
                return true;
            }
        }
    }

    /** True while a thread waits in {@link #reserveWithin}: the holders should let go of what they can. */
    public boolean hasWaiters() {
        return waiters > 0;
    }

    /** Reserves {@code bytes} whatever the limit: for data that is already held. */
    public void reserve(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes < 0: " + bytes);
        notePeak(used.addAndGet(bytes));
    }

    /** Gives back what {@link #tryReserve} or {@link #reserve} took. */
    public void release(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes < 0: " + bytes);
        long u = used.addAndGet(-bytes);
        if (u < 0) throw new IllegalStateException(name + " released more than was reserved: " + u);
        if (waiters > 0) {
            synchronized (lock) {
                lock.notifyAll();
            }
        }
    }

    private void notePeak(long v) {
        long p;
        while (v > (p = peak.get()) && !peak.compareAndSet(p, v)) {
            // another thread raised the peak meanwhile; try again
        }
    }

    public String name() {
        return name;
    }

    public long limit() {
        return limit;
    }

    public long used() {
        return used.get();
    }

    /** The most that was ever reserved at once. */
    public long peak() {
        return peak.get();
    }

    /** Bytes still free. */
    public long free() {
        return Math.max(0, limit - used.get());
    }

    @Override
    public String toString() {
        return name + "[" + used.get() + " of " + limit + " bytes]";
    }
}

package io.wkr.server.batching;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A number of bytes shared by the threads that hold request or reply data: they reserve before
 * they keep data and release when they let go of it. {@link #tryReserve} refuses past the limit
 * (the caller answers {@code OVERLOADED} or drops); {@link #reserve} never refuses, for data that
 * is already held and must be accounted for. Thread-safe and lock-free.
 */
public final class MemoryBudget {
    private final String name;
    private final long limit;
    private final AtomicLong used = new AtomicLong();
    private final AtomicLong peak = new AtomicLong();

    /**
     * @param name what the budget is for, as options and messages call it ({@code max_queue_bytes})
     * @param limit bytes; at least 1
     */
    public MemoryBudget(String name, long limit) {
        if (limit < 1) throw new IllegalArgumentException(name + " < 1: " + limit);
        this.name = name;
        this.limit = limit;
    }

    /** Reserves {@code bytes} if they fit under the limit; false (nothing reserved) otherwise. */
    public boolean tryReserve(long bytes) {
        if (bytes < 0) throw new IllegalArgumentException("bytes < 0: " + bytes);
        while (true) {
            long u = used.get();
            long next = u + bytes;
            if (next > limit || next < 0) return false;
            if (used.compareAndSet(u, next)) {
                notePeak(next);
                return true;
            }
        }
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

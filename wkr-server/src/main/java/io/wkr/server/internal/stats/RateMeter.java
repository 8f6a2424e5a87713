package io.wkr.server.internal.stats;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Events per second over the last few whole seconds, from 16 one-second buckets. Thread-safe and
 * allocation-free; a bucket being reset while another thread adds to it may lose a few counts,
 * which is fine for a rate shown to people.
 */
public final class RateMeter {
    private static final int BUCKETS = 16;
    private final AtomicLongArray counts = new AtomicLongArray(BUCKETS);
    private final AtomicLongArray seconds = new AtomicLongArray(BUCKETS);

    public void add(long n) {
        long sec = System.nanoTime() / 1_000_000_000L;
        int i = (int) (sec & (BUCKETS - 1));
        long seen = seconds.get(i);
        if (seen != sec && seconds.compareAndSet(i, seen, sec)) counts.set(i, 0);
        counts.addAndGet(i, n);
    }

    /** Mean rate over the {@code window} whole seconds before the current one (1..15). */
    public double perSecond(int window) {
        long now = System.nanoTime() / 1_000_000_000L;
        long sum = 0;
        for (int k = 1; k <= window; k++) {
            long sec = now - k;
            int i = (int) (sec & (BUCKETS - 1));
            if (seconds.get(i) == sec) sum += counts.get(i);
        }
        return sum / (double) window;
    }
}

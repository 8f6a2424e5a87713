package io.wkr.server;

import io.wkr.server.config.ServerConfig;
import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The elastic pool's loop (the original's "auto scale service", made to work in both worker
 * modes): samples how busy the workers are, the share of the last tick that the running workers
 * spent in {@code predict}, and grows the pool by one worker while the mean over {@code
 * -duration_expand} stays at or above {@code -busy_util_threshold}, or shrinks it by one while the
 * mean over {@code -duration_squeeze} stays below it; at most one change per window, and never
 * outside the pool's bounds ({@code -num_worker} .. {@code -num_worker_expanded}, or those set at
 * run time). A worker that leaves finishes its batch first.
 */
final class Autoscaler implements Runnable {
    private final WorkerPool pool;
    private final ServerConfig config;
    private final long tickNanos;
    /** (time, utilisation) samples, newest last, as long as the longer window. */
    private final Deque<double[]> samples = new ArrayDeque<>();

    Autoscaler(WorkerPool pool, ServerConfig config) {
        this.pool = pool;
        this.config = config;
        long shortest = Math.min(config.durationExpand().toNanos(), config.durationSqueeze().toNanos());
        this.tickNanos = Math.max(20_000_000L, Math.min(1_000_000_000L, shortest / 10));
    }

    void start() {
        Thread t = new Thread(this, "wkr-autoscaler");
        t.setDaemon(true);
        t.start();
    }

    @Override
    public void run() {
        long[] last = pool.busyNanosAndSize();
        long lastAt = System.nanoTime();
        long lastChange = lastAt;
        while (pool.pauseUnlessStopping(Math.max(1, tickNanos / 1_000_000))) {
            long now = System.nanoTime();
            long[] cur = pool.busyNanosAndSize();
            double capacity = (double) (now - lastAt) * Math.max(1, cur[1]);
            double util = Math.max(0, Math.min(1, (cur[0] - last[0]) / capacity));
            last = cur;
            lastAt = now;
            samples.addLast(new double[] {now, util});
            long keep = Math.max(config.durationExpand().toNanos(), config.durationSqueeze().toNanos());
            while (!samples.isEmpty() && now - samples.peekFirst()[0] > keep) samples.removeFirst();
            double threshold = config.busyUtilThreshold();
            boolean changed = false;
            long expand = config.durationExpand().toNanos();
            long squeeze = config.durationSqueeze().toNanos();
            double busy = now - lastChange >= expand ? mean(now, expand, lastChange) : Double.NaN;
            double idle = now - lastChange >= squeeze ? mean(now, squeeze, lastChange) : Double.NaN;
            if (busy >= threshold && pool.grow(String.format("busy %.0f %% over %d ms", 100 * busy, expand / 1_000_000))) {
                changed = true;
            } else if (idle < threshold && pool.shrink(String.format("busy %.0f %% over %d ms", 100 * idle, squeeze / 1_000_000))) {
                changed = true;
            }
            if (changed) {
                lastChange = now;
                samples.clear();
            }
        }
    }

    /** The mean utilisation of the samples in the last {@code window}, taken after {@code since}; NaN when none. */
    private double mean(long now, long window, long since) {
        double sum = 0;
        int n = 0;
        for (double[] s : samples) {
            if (s[0] > since && now - s[0] <= window) {
                sum += s[1];
                n++;
            }
        }
        return n == 0 ? Double.NaN : sum / n;
    }
}

package io.wkr.server.internal.stats;

import io.wkr.server.status.Latency;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.AtomicHistogram;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.WriterReaderPhaser;

/**
 * A latency distribution: wait-free recording on the hot path, merged when someone reads it into
 * a cumulative histogram and into a recent one (the last 5 to 10 seconds, for live charts).
 *
 * <p>Recording is HdrHistogram's {@code Recorder} with an exact sum beside the histogram: a value
 * goes into the active interval's histogram (microseconds, two significant digits, so 1 %
 * resolution and a few tens of KB) and its nanoseconds into that interval's sum, inside one
 * writer critical section of a {@link WriterReaderPhaser}. A reader swaps the intervals and flips
 * the phaser, so the histogram and the sum it takes hold exactly the same values: counts, sums
 * and means are exact and agree with each other at every read.
 */
public final class LatencyRecorder {
    private static final long MAX_MICROS = 3_600_000_000L;
    private static final long MAX_NANOS = MAX_MICROS * 1000;
    private static final long WINDOW_NANOS = 5_000_000_000L;
    /** The bounds of {@link Latency#buckets()} in seconds (the {@code +Inf} bucket is added). */
    private static final double[] BUCKETS_SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5,
        1, 2.5, 5, 10, 30};

    private final WriterReaderPhaser phaser = new WriterReaderPhaser();
    private volatile Interval active = new Interval();
    // The reader's side, guarded by this.
    private Interval inactive = new Interval();
    private final Window total = new Window();
    private Window current = new Window();
    private Window previous = new Window();
    private long windowStart = System.nanoTime();

    /** Records one value; negative ones count as 0, ones over an hour as an hour. Wait-free. */
    public void recordNanos(long nanos) {
        long n = Math.min(Math.max(nanos, 0), MAX_NANOS);
        long phase = phaser.writerCriticalSectionEnter();
        try {
            Interval i = active;
            i.histogram.recordValue(n / 1000);
            i.sumNanos.add(n);
        } finally {
            phaser.writerCriticalSectionExit(phase);
        }
    }

    /** Everything recorded since start. */
    public synchronized Latency total() {
        merge();
        return total.latency();
    }

    /** What was recorded over the last 5 to 10 seconds. */
    public synchronized Latency recent() {
        merge();
        Window w = new Window();
        w.add(current);
        w.add(previous);
        return w.latency();
    }

    /** Takes what writers recorded since the last merge into the total and the current window. */
    private void merge() {
        phaser.readerLock();
        try {
            Interval done = active;
            active = inactive;
            inactive = done;
            phaser.flipPhase(500_000); // returns when no writer is still in `done` (as the Recorder does)
        } finally {
            phaser.readerUnlock();
        }
        long now = System.nanoTime();
        if (now - windowStart >= WINDOW_NANOS) {
            Window t = previous;
            previous = current;
            current = t;
            current.reset();
            if (now - windowStart >= 2 * WINDOW_NANOS) previous.reset(); // nobody read for a while
            windowStart = now;
        }
        total.add(inactive);
        current.add(inactive);
        inactive.reset();
    }

    /** What writers record into between two merges. */
    private static final class Interval {
        // what HdrHistogram's Recorder(highest, digits) records into: atomic counts, fixed size
        final Histogram histogram = new AtomicHistogram(1, MAX_MICROS, 2);
        final LongAdder sumNanos = new LongAdder();

        void reset() {
            histogram.reset();
            sumNanos.reset();
        }
    }

    /** A merged distribution: a histogram in microseconds and the exact sum in nanoseconds. */
    private static final class Window {
        final Histogram histogram = new Histogram(MAX_MICROS, 2);
        long sumNanos;

        void add(Interval i) {
            histogram.add(i.histogram);
            sumNanos += i.sumNanos.sum();
        }

        void add(Window w) {
            histogram.add(w.histogram);
            sumNanos += w.sumNanos;
        }

        void reset() {
            histogram.reset();
            sumNanos = 0;
        }

        Latency latency() {
            Histogram h = histogram;
            long n = h.getTotalCount();
            List<Latency.Bucket> buckets = new ArrayList<>(BUCKETS_SECONDS.length + 1);
            for (double le : BUCKETS_SECONDS) {
                buckets.add(new Latency.Bucket(le, n == 0 ? 0 : h.getCountBetweenValues(0, (long) (le * 1_000_000))));
            }
            buckets.add(new Latency.Bucket(Double.POSITIVE_INFINITY, n));
            return new Latency(n, n == 0 ? 0.0 : sumNanos / 1e6 / n, millis(h.getValueAtPercentile(50)),
                    millis(h.getValueAtPercentile(90)), millis(h.getValueAtPercentile(99)),
                    millis(h.getValueAtPercentile(99.9)), millis(h.getMaxValue()), sumNanos, buckets);
        }

        private static double millis(long micros) {
            return micros / 1000.0;
        }
    }
}

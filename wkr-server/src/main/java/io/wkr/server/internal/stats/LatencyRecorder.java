package io.wkr.server.internal.stats;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A latency distribution in microseconds: wait-free recording on the hot path (HdrHistogram
 * {@link Recorder}), merged when someone reads it into a cumulative histogram and into a recent
 * one (the last 5 to 10 seconds, for live charts). Two significant digits (1 % resolution) keep
 * each histogram at a few tens of KB.
 */
public final class LatencyRecorder {
    private static final long MAX_MICROS = 3_600_000_000L;
    private static final long WINDOW_NANOS = 5_000_000_000L;
    private final Recorder recorder = new Recorder(MAX_MICROS, 2);
    private final Histogram total = new Histogram(MAX_MICROS, 2);
    private Histogram current = new Histogram(MAX_MICROS, 2);
    private Histogram previous = new Histogram(MAX_MICROS, 2);
    private long windowStart = System.nanoTime();
    private Histogram interval;

    public void recordNanos(long nanos) {
        recorder.recordValue(Math.min(Math.max(nanos / 1000, 0), MAX_MICROS));
    }

    private void merge() {
        interval = recorder.getIntervalHistogram(interval);
        long now = System.nanoTime();
        if (now - windowStart >= WINDOW_NANOS) {
            Histogram t = previous;
            previous = current;
            current = t;
            current.reset();
            if (now - windowStart >= 2 * WINDOW_NANOS) previous.reset(); // nobody read for a while
            windowStart = now;
        }
        total.add(interval);
        current.add(interval);
    }

    /** A copy of everything recorded so far. */
    public synchronized Histogram snapshot() {
        merge();
        return total.copy();
    }

    /** count, mean, p50, p90, p99, p99.9 and max in milliseconds, since start. */
    public synchronized Map<String, Object> toMillisMap() {
        merge();
        return millis(total);
    }

    /** The same over the last 5 to 10 seconds. */
    public synchronized Map<String, Object> recentMillisMap() {
        merge();
        Histogram h = current.copy();
        h.add(previous);
        return millis(h);
    }

    private static Map<String, Object> millis(Histogram h) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("count", h.getTotalCount());
        m.put("mean", h.getTotalCount() == 0 ? 0.0 : h.getMean() / 1000.0);
        m.put("p50", h.getValueAtPercentile(50) / 1000.0);
        m.put("p90", h.getValueAtPercentile(90) / 1000.0);
        m.put("p99", h.getValueAtPercentile(99) / 1000.0);
        m.put("p999", h.getValueAtPercentile(99.9) / 1000.0);
        m.put("max", h.getMaxValue() / 1000.0);
        return m;
    }
}

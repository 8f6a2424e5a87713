package io.wkr.client.bench;

import io.wkr.protocol.ErrorCode;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/** What one run measured: replies by outcome, latency, duration. Recording is thread-safe. */
final class Result {
    final String target;
    final String payload;
    final int clients;
    final int inFlight;
    final double rate;
    final int payloadBytes;
    private final Recorder recorder = new Recorder(3_600_000_000L, 3);
    final LongAdder ok = new LongAdder();
    final LongAdder mismatched = new LongAdder();
    final LongAdder lost = new LongAdder();
    final EnumMap<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);
    private Histogram histogram;
    private long startNanos;
    private long endNanos;

    Result(String target, String payload, int clients, int inFlight, double rate, int payloadBytes) {
        this.target = target;
        this.payload = payload;
        this.clients = clients;
        this.inFlight = inFlight;
        this.rate = rate;
        this.payloadBytes = payloadBytes;
        for (ErrorCode c : ErrorCode.values()) errors.put(c, new LongAdder());
    }

    void start() {
        startNanos = System.nanoTime();
    }

    void stop() {
        endNanos = System.nanoTime();
        histogram = recorder.getIntervalHistogram();
    }

    /** A reply that matched what was sent. */
    void ok(long latencyNanos) {
        ok.increment();
        recorder.recordValue(Math.max(1, Math.min(latencyNanos / 1000, 3_600_000_000L)));
    }

    void error(ErrorCode code) {
        errors.get(code).increment();
    }

    long errorCount() {
        long n = 0;
        for (LongAdder a : errors.values()) n += a.sum();
        return n;
    }

    /** Every request answered or given up on. */
    long completed() {
        return ok.sum() + mismatched.sum() + errorCount() + lost.sum();
    }

    double seconds() {
        return (endNanos - startNanos) / 1e9;
    }

    double throughput() {
        return ok.sum() / seconds();
    }

    double megabytesPerSecond() {
        return throughput() * payloadBytes / 1e6;
    }

    /** Latency percentile in milliseconds. */
    double millis(double percentile) {
        return histogram == null || histogram.getTotalCount() == 0 ? 0 : histogram.getValueAtPercentile(percentile) / 1000.0;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("target", target);
        m.put("payload", payload);
        m.put("payload_bytes", payloadBytes);
        m.put("clients", clients);
        m.put("in_flight_per_client", inFlight);
        if (rate > 0) m.put("rate", rate);
        m.put("seconds", seconds());
        m.put("ok", ok.sum());
        m.put("mismatched", mismatched.sum());
        m.put("lost", lost.sum());
        Map<String, Object> e = new LinkedHashMap<>();
        errors.forEach((c, a) -> {
            if (a.sum() > 0) e.put(c.name(), a.sum());
        });
        m.put("errors", e);
        m.put("throughput_rps", throughput());
        m.put("throughput_mb_s", megabytesPerSecond());
        Map<String, Object> l = new LinkedHashMap<>();
        l.put("p50", millis(50));
        l.put("p90", millis(90));
        l.put("p99", millis(99));
        l.put("p999", millis(99.9));
        l.put("max", histogram == null ? 0 : histogram.getMaxValue() / 1000.0);
        m.put("latency_ms", l);
        return m;
    }

    String line() {
        StringBuilder errs = new StringBuilder();
        errors.forEach((c, a) -> {
            if (a.sum() > 0) errs.append(' ').append(c.name()).append('=').append(a.sum());
        });
        return String.format(java.util.Locale.ROOT,
                "%-12s %-8s C=%-4d K=%-3d %10.0f req/s %9.1f MB/s  p50 %7.3f  p90 %7.3f  p99 %7.3f  p99.9 %7.3f ms  ok=%d%s%s%s",
                target, payload, clients, inFlight, throughput(), megabytesPerSecond(), millis(50), millis(90), millis(99),
                millis(99.9), ok.sum(), mismatched.sum() > 0 ? " mismatched=" + mismatched.sum() : "",
                lost.sum() > 0 ? " lost=" + lost.sum() : "", errs);
    }
}

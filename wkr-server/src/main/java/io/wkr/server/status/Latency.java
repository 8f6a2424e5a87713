package io.wkr.server.status;

import java.util.List;

/**
 * A latency distribution in milliseconds ({@code latency_ms}, {@code recent_latency_ms}, {@code
 * queue_wait_ms}, {@code predict_ms}). The percentiles and the maximum come from an HdrHistogram
 * with 1 % resolution; the count, the sum and so the mean are exact.
 *
 * @param count values recorded
 * @param mean exact mean, 0 when there are none
 * @param p50 median
 * @param p90 90th percentile
 * @param p99 99th percentile
 * @param p999 99.9th percentile
 * @param max largest value
 * @param sumNanos exact sum of the values in nanoseconds (not on the wire: for {@code /metrics})
 * @param buckets how many values were at most each bound, cumulative, ending with {@code +Inf}
 *     (not on the wire: for {@code /metrics})
 */
public record Latency(
        long count,
        double mean,
        double p50,
        double p90,
        double p99,
        double p999,
        double max,
        long sumNanos,
        List<Bucket> buckets) {

    public Latency {
        buckets = List.copyOf(buckets);
    }

    /**
     * Values at most {@code leSeconds}, cumulative.
     *
     * @param leSeconds the upper bound in seconds, {@link Double#POSITIVE_INFINITY} for the last
     * @param count values at or below it
     */
    public record Bucket(double leSeconds, long count) {}
}

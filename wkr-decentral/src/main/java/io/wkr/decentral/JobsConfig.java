package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wkr.protocol.Protocol;
import java.time.Duration;
import java.util.Objects;

/**
 * The ready-made job pipeline: where jobs wait and how they are retried. Producers ({@code
 * JobQueue}) and units ({@code JobUnit}) must agree on {@code stream} and {@code group}.
 *
 * @param stream the Redis stream jobs are added to; results, errors and dead letters use keys
 *     that start with it ({@code <stream>:result:<id>}, {@code <stream>:dead})
 * @param group the consumer group the units read with
 * @param visibilityTimeout how long a delivered job may go without a sign of life from its unit
 *     (units renew their in-flight jobs every third of it) before another unit reclaims it
 * @param maxDeliveries deliveries after which a job that keeps failing goes to the dead-letter
 *     stream
 * @param retryBackoff wait before the second delivery of a failed job; doubled for each further
 *     delivery (with jitter), capped at half the visibility timeout
 * @param resultTtl how long results (and failures) are kept
 * @param maxInFlight jobs one unit has sent to its server and not yet finished
 * @param requestTimeout how long a unit waits for a server's reply to one job
 * @param protocol the payload protocol the servers speak
 * @param deadLetterMaxLen the dead-letter stream is trimmed to about this many entries
 */
public record JobsConfig(
        String stream,
        String group,
        Duration visibilityTimeout,
        int maxDeliveries,
        Duration retryBackoff,
        Duration resultTtl,
        int maxInFlight,
        Duration requestTimeout,
        Protocol protocol,
        long deadLetterMaxLen) {

    public JobsConfig {
        Objects.requireNonNull(stream, "stream == null");
        if (stream.isBlank()) throw new IllegalArgumentException("stream is blank");
        Objects.requireNonNull(group, "group == null");
        if (group.isBlank()) throw new IllegalArgumentException("group is blank");
        positive("visibilityTimeout", visibilityTimeout);
        if (visibilityTimeout.toMillis() < 30) {
            throw new IllegalArgumentException("visibilityTimeout < 30 ms: " + visibilityTimeout);
        }
        if (maxDeliveries < 1) throw new IllegalArgumentException("maxDeliveries < 1: " + maxDeliveries);
        Objects.requireNonNull(retryBackoff, "retryBackoff == null");
        if (retryBackoff.isNegative()) throw new IllegalArgumentException("retryBackoff < 0: " + retryBackoff);
        positive("resultTtl", resultTtl);
        if (maxInFlight < 1) throw new IllegalArgumentException("maxInFlight < 1: " + maxInFlight);
        positive("requestTimeout", requestTimeout);
        Objects.requireNonNull(protocol, "protocol == null");
        if (deadLetterMaxLen < 1) throw new IllegalArgumentException("deadLetterMaxLen < 1: " + deadLetterMaxLen);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name + " == null");
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " <= 0: " + d);
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder().stream(stream).group(group).visibilityTimeout(visibilityTimeout)
                .maxDeliveries(maxDeliveries).retryBackoff(retryBackoff).resultTtl(resultTtl).maxInFlight(maxInFlight)
                .requestTimeout(requestTimeout).protocol(protocol).deadLetterMaxLen(deadLetterMaxLen);
    }

    /** Defaults (with {@link #builder()}). */
    public static JobsConfig defaults() {
        return builder().build();
    }

    /** The key a job's result (or final failure) is stored under. */
    public String resultKey(String jobId) {
        return stream + ":result:" + jobId;
    }

    /** The key a job's last error is kept under while it waits for its next delivery. */
    public String errorKey(String jobId) {
        return stream + ":error:" + jobId;
    }

    /** The dead-letter stream. */
    public String deadStream() {
        return stream + ":dead";
    }

    /** The settings as the central's status shows them ({@code config.jobs}). */
    public Description describe() {
        return new Description(stream, group, visibilityTimeout.toMillis(), maxDeliveries, retryBackoff.toMillis(),
                resultTtl.toSeconds(), maxInFlight, requestTimeout.toMillis(), protocol.wireName());
    }

    /**
     * The job pipeline's settings in the status document; the JSON keys are the component names
     * or their {@code @JsonProperty}.
     *
     * @param protocol the protocol's wire name ({@code obj}, {@code numpy})
     */
    public record Description(
            String stream,
            String group,
            @JsonProperty("visibility_timeout_ms") long visibilityTimeoutMillis,
            @JsonProperty("max_deliveries") int maxDeliveries,
            @JsonProperty("retry_backoff_ms") long retryBackoffMillis,
            @JsonProperty("result_ttl_s") long resultTtlSeconds,
            @JsonProperty("max_in_flight") int maxInFlight,
            @JsonProperty("request_timeout_ms") long requestTimeoutMillis,
            String protocol) {}

    /** How often a unit renews the visibility of its in-flight jobs. */
    public Duration heartbeatInterval() {
        return visibilityTimeout.dividedBy(3);
    }

    /** How often a unit looks for jobs of other units that went quiet. */
    public Duration reclaimInterval() {
        Duration d = visibilityTimeout.dividedBy(4);
        if (d.toMillis() < 20) return Duration.ofMillis(20);
        return d.compareTo(Duration.ofSeconds(5)) > 0 ? Duration.ofSeconds(5) : d;
    }

    /** Builder; defaults: {@code wkr:jobs}, group {@code wkr}, 60 s visibility, 5 deliveries, ... */
    public static final class Builder {
        private String stream = "wkr:jobs";
        private String group = "wkr";
        private Duration visibilityTimeout = Duration.ofSeconds(60);
        private int maxDeliveries = 5;
        private Duration retryBackoff = Duration.ofSeconds(1);
        private Duration resultTtl = Duration.ofDays(1);
        private int maxInFlight = 16;
        private Duration requestTimeout = Duration.ofSeconds(30);
        private Protocol protocol = Protocol.OBJ;
        private long deadLetterMaxLen = 100_000;

        Builder() {}

        public Builder stream(String v) { stream = v; return this; }
        public Builder group(String v) { group = v; return this; }
        public Builder visibilityTimeout(Duration v) { visibilityTimeout = v; return this; }
        public Builder maxDeliveries(int v) { maxDeliveries = v; return this; }
        public Builder retryBackoff(Duration v) { retryBackoff = v; return this; }
        public Builder resultTtl(Duration v) { resultTtl = v; return this; }
        public Builder maxInFlight(int v) { maxInFlight = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder protocol(Protocol v) { protocol = v; return this; }
        public Builder deadLetterMaxLen(long v) { deadLetterMaxLen = v; return this; }

        public JobsConfig build() {
            return new JobsConfig(stream, group, visibilityTimeout, maxDeliveries, retryBackoff, resultTtl,
                    maxInFlight, requestTimeout, protocol, deadLetterMaxLen);
        }
    }
}

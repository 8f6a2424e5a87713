package io.wkr.decentral.redis;

import com.fasterxml.jackson.annotation.JsonProperty;

/**
 * How a job stream is doing, as {@link JobQueue#stats()} saw it (JSON keys as the components,
 * {@code in_flight} for {@code inFlight}).
 *
 * @param stream the job stream
 * @param unfinished jobs in the stream: queued or in flight (finished jobs leave it)
 * @param inFlight jobs delivered to a unit and not finished (the group's pending entries)
 * @param dead entries of the dead-letter stream
 * @param consumers the group's consumers (units that read from it and were not forgotten yet)
 */
public record QueueStats(String stream, long unfinished, @JsonProperty("in_flight") long inFlight, long dead,
        long consumers) {}

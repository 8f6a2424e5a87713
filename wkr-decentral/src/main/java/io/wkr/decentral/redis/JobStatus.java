package io.wkr.decentral.redis;

/**
 * A job's state as {@link JobQueue#status} saw it.
 *
 * @param jobId the job
 * @param state where it is
 * @param deliveries how often it was delivered to a unit so far (0 while queued)
 * @param consumer the unit it is delivered to (while {@code RUNNING}) or finished by, or {@code null}
 * @param lastError the last failure, while it waits for another delivery or once it {@code FAILED}
 */
public record JobStatus(String jobId, JobState state, long deliveries, String consumer, String lastError) {}

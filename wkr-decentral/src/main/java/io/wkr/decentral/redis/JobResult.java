package io.wkr.decentral.redis;

/**
 * A finished job: its value ({@link JobState#DONE}) or its final error ({@link JobState#FAILED}).
 *
 * @param jobId the job
 * @param state {@code DONE} or {@code FAILED}
 * @param value the server's output ({@code byte[]}, {@code String}, a JSON value or a {@code
 *     Tensor}, as documented in {@code docs/decentral.md}); {@code null} when failed
 * @param error the last error when failed, else {@code null}
 * @param server {@code host:port_in} of the server that produced it ({@code null} for a job that
 *     never reached one)
 * @param consumer the unit (Redis consumer) that stored it
 * @param deliveries the delivery that finished it: 1 for a first delivery, more when it was
 *     retried or reclaimed from a unit that died
 * @param finishedMillis when it was stored (epoch ms)
 */
public record JobResult(String jobId, JobState state, Object value, String error, String server, String consumer,
        long deliveries, long finishedMillis) {

    /** True for {@link JobState#DONE}. */
    public boolean ok() {
        return state == JobState.DONE;
    }
}

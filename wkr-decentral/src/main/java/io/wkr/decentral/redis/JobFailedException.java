package io.wkr.decentral.redis;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.WKRException;

/**
 * Thrown by {@link JobQueue#result} for a job that ended in the dead-letter stream. The code is
 * the one of its last error ({@code WORKER_FAILED} when the model threw, {@code BAD_REQUEST} for
 * a payload that cannot be decoded, ...).
 */
public final class JobFailedException extends WKRException {
    private final String jobId;
    private final long deliveries;

    public JobFailedException(String jobId, String error, long deliveries) {
        super(ErrorCode.parse(error.getBytes(java.nio.charset.StandardCharsets.UTF_8)).code(),
                "job " + jobId + " failed after " + deliveries + " deliveries: " + error, null);
        this.jobId = jobId;
        this.deliveries = deliveries;
    }

    public String jobId() {
        return jobId;
    }

    public long deliveries() {
        return deliveries;
    }
}

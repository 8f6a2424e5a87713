package io.wkr.decentral.redis;

/**
 * An entry of the dead-letter stream: a job that failed for good, with its payload and last error.
 *
 * @param entryId the dead-letter stream's entry id
 * @param jobId the job's id (its original stream entry id)
 * @param payload the job's payload, decoded as for the server
 * @param error the last error
 * @param deliveries how often it was delivered
 * @param consumer the unit that gave up on it
 * @param server {@code host:port_in} of the last server tried, or {@code null}
 * @param failedMillis when it was moved here (epoch ms)
 */
public record DeadLetter(String entryId, String jobId, Object payload, String error, long deliveries, String consumer,
        String server, long failedMillis) {}

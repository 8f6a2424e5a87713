package io.wkr.server.internal.batching;

import io.wkr.protocol.ErrorCode;

/**
 * How a job's answer travels back to its caller: published on the PUB socket for ZeroMQ
 * clients, completing a future for HTTP. Called at most once per job, from the thread that
 * completes it (a worker, the ventilator or a draining thread); implementations are thread-safe.
 */
public interface Completion {
    /** The model's output for this job. */
    void succeeded(Job job, Object output);

    /** The job failed; {@code message} is for the caller (no stack traces). */
    void failed(Job job, ErrorCode code, String message);
}

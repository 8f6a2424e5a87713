package io.wkr.protocol;

/**
 * The model failed on the batch this request was part of: it threw, returned the wrong number of
 * outputs, or returned an output the protocol cannot encode. Wire code {@link
 * ErrorCode#WORKER_FAILED}. Other batches are not affected.
 */
public class WorkerFailedException extends WKRException {
    public WorkerFailedException(String message, Throwable cause) {
        super(ErrorCode.WORKER_FAILED, message, cause);
    }
}

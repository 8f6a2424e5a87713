package io.wkr.decentral.redis;

/** Where a job is. */
public enum JobState {
    /** In the stream, not delivered to any unit yet. */
    QUEUED,
    /** Delivered to a unit and not finished: being processed, or waiting for its next delivery after a failure. */
    RUNNING,
    /** Finished: its result is stored. */
    DONE,
    /** Failed {@code maxDeliveries} times (or could not be decoded): in the dead-letter stream. */
    FAILED,
    /** Never submitted, or finished so long ago that its result expired. */
    UNKNOWN
}

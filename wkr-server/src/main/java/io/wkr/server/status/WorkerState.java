package io.wkr.server.status;

/** What a worker is doing. */
public enum WorkerState {
    /** Loading its model. */
    LOADING,
    /** Waiting for work. */
    IDLE,
    /** Running a batch. */
    BUSY,
    /** Being replaced after a fatal error. */
    RESTARTING,
    /** Could not load its model. */
    FAILED,
    /** Stopped. */
    STOPPED
}

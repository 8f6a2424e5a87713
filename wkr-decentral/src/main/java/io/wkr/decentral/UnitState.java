package io.wkr.decentral;

/** Where a unit is in its life. */
public enum UnitState {
    /** {@code getModel} is running: connecting to its server (and Redis). */
    STARTING,
    /** {@code doWork} is being called in a loop. */
    RUNNING,
    /** It failed and waits before the next start; its server takes no work from it meanwhile. */
    BACKOFF,
    /** Asked to stop: finishing the current round, then {@code offModel}. */
    STOPPING,
    /** Stopped. */
    STOPPED
}

package io.wkr.server.config;

/** Where a worker runs its model: {@code -worker_mode thread} or {@code process}. */
public enum WorkerMode {
    /** A thread of the server's JVM (the default): the cheapest hand-off, no isolation. */
    THREAD,
    /**
     * A child JVM per worker, started, watched and replaced by the server: a model that exits,
     * crashes in native code or hangs takes only its own batch with it.
     */
    PROCESS
}

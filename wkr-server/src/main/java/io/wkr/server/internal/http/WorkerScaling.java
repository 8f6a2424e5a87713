package io.wkr.server.internal.http;

import java.util.Map;

/**
 * The worker pool's bounds as {@code GET /workers} shows them and {@code PUT /workers} sets them
 * (implemented by the server over its pool).
 */
public interface WorkerScaling {
    /** {@code {"min_worker", "max_worker", "limit", "workers"}}: the bounds, their ceiling, the workers running. */
    Map<String, Object> state();

    /**
     * Sets the bounds; the pool moves into them at once.
     *
     * @throws IllegalArgumentException when they are not {@code 1 <= min <= max <= limit}
     */
    void bounds(int min, int max);
}

package io.wkr.server.status;

/**
 * The bounded queue in front of the workers ({@code queue}).
 *
 * @param depth requests waiting for a worker now
 * @param capacity requests that may wait ({@code max_queue_size})
 * @param bytes what admitted requests hold now of {@code max_queue_bytes}
 * @param maxBytes {@code max_queue_bytes}
 * @param peakBytes the most admitted requests ever held
 */
public record QueueState(int depth, int capacity, long bytes, long maxBytes, long peakBytes) {}

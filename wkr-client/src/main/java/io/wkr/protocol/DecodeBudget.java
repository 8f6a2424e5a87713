package io.wkr.protocol;

/**
 * What one decode may allocate beyond the payload it reads. A {@link PayloadCodec} asks before it
 * allocates (strings, arrays, collections, objects); the budget refuses by throwing, and the
 * decode fails with that exception. The server passes one per request that charges the server's
 * memory budget ({@code -max_queue_bytes}) and throws {@link OverloadedException} when it is
 * full; a codec's own per-payload limits throw {@link BadRequestException}.
 */
@FunctionalInterface
public interface DecodeBudget {
    /** A budget that never refuses: only the codec's own per-payload limits apply. */
    DecodeBudget UNLIMITED = bytes -> {};

    /**
     * Asks for {@code bytes} the decoder is about to allocate.
     *
     * @throws WKRException to refuse; the decode fails with it
     */
    void charge(long bytes);
}

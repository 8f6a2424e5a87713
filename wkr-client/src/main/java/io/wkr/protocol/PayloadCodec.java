package io.wkr.protocol;

import java.util.List;
import java.util.Map;

/**
 * Turns frame 2 and frame 3 of a message into a Java value and back, for one {@link Protocol}.
 * Implementations are thread-safe.
 */
public interface PayloadCodec {

    /** Frames 2 and 3 of an encoded value. */
    record Encoded(byte[] payload, byte[] info) {}

    Protocol protocol();

    /**
     * Decodes a payload within the codec's per-payload {@link DecodeLimits}; the same as {@code
     * decode(payload, info, DecodeBudget.UNLIMITED)}.
     *
     * @param info the parsed info JSON of the message
     * @throws BadRequestException when the payload does not match the protocol or exceeds a
     *     per-payload limit
     */
    default Object decode(byte[] payload, Map<String, Object> info) {
        return decode(payload, info, DecodeBudget.UNLIMITED);
    }

    /**
     * Decodes a payload, asking {@code budget} before each allocation the decode makes (the
     * codecs here ask ahead in steps of up to 16 KiB, never for more than the payload's allowance
     * under {@link DecodeLimits}), in addition to enforcing the per-payload limits.
     *
     * @param info the parsed info JSON of the message
     * @throws BadRequestException when the payload does not match the protocol or exceeds a
     *     per-payload limit
     * @throws WKRException whatever {@code budget} throws to refuse an allocation, unchanged
     */
    Object decode(byte[] payload, Map<String, Object> info, DecodeBudget budget);

    /**
     * Encodes a value, adding {@code timeout_ms} to the info when {@code timeoutMillis > 0}.
     *
     * @throws IllegalArgumentException when the protocol cannot carry the value
     */
    Encoded encode(Object value, long timeoutMillis);

    /**
     * Encodes the answer to a request whose info frame was {@code requestInfo}, in the form that
     * request came in (a codec that reads more than one form, {@link ObjCodec}, answers each
     * client in its own). By default {@link #encode encode(value, 0)}.
     *
     * @throws IllegalArgumentException when the protocol cannot carry the value
     */
    default Encoded encodeReply(Object value, Map<String, Object> requestInfo) {
        return encode(value, 0);
    }

    /** The codec for a protocol; {@code objClasses} are the classes {@code obj} may carry. */
    static PayloadCodec of(Protocol protocol, List<Class<?>> objClasses) {
        return of(protocol, objClasses, DecodeLimits.DEFAULT);
    }

    /** The codec for a protocol, decoding within {@code limits}. */
    static PayloadCodec of(Protocol protocol, List<Class<?>> objClasses, DecodeLimits limits) {
        return of(protocol, objClasses, limits, PickleCodec.DEFAULT_MAX_INFLATED_BYTES);
    }

    /**
     * The codec for a protocol, decoding within {@code limits}; {@code obj} reads Kryo and Python
     * pickles ({@link ObjCodec}), inflating a compressed pickle to at most {@code
     * maxInflatedBytes}.
     */
    static PayloadCodec of(Protocol protocol, List<Class<?>> objClasses, DecodeLimits limits, int maxInflatedBytes) {
        return protocol == Protocol.NUMPY ? NumpyCodec.withLimits(limits) : new ObjCodec(objClasses, limits, maxInflatedBytes);
    }
}

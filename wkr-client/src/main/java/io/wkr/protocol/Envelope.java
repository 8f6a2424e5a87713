package io.wkr.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * One data-plane message: the four frames {@code [identity, request id, payload, info]} that
 * travel client → server and server → client, exactly as in the original wkr-serving.
 *
 * <p>The arrays are not copied; an envelope is handed from one thread to the next and never
 * modified after it is built.
 */
public record Envelope(byte[] identity, byte[] requestId, byte[] payload, byte[] info) {

    public Envelope {
        Objects.requireNonNull(identity, "identity == null");
        Objects.requireNonNull(requestId, "requestId == null");
        Objects.requireNonNull(payload, "payload == null");
        Objects.requireNonNull(info, "info == null");
    }

    /** An error reply: payload is {@code "CODE: message"} in UTF-8, info is {@code EXCEPTION}. */
    public static Envelope error(byte[] identity, byte[] requestId, ErrorCode code, String message) {
        return new Envelope(identity, requestId, code.format(message), Wire.EXCEPTION);
    }

    /** True when frame 3 is the {@code EXCEPTION} marker. */
    public boolean isError() {
        return Wire.is(info, Wire.EXCEPTION);
    }

    public String identityText() {
        return new String(identity, StandardCharsets.UTF_8);
    }

    public String requestIdText() {
        return new String(requestId, StandardCharsets.ISO_8859_1);
    }

    @Override
    public String toString() {
        return "Envelope[" + identityText() + "#" + requestIdText() + ", " + payload.length
                + " payload bytes, info " + Wire.preview(info) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Envelope e
                && java.util.Arrays.equals(identity, e.identity)
                && java.util.Arrays.equals(requestId, e.requestId)
                && java.util.Arrays.equals(payload, e.payload)
                && java.util.Arrays.equals(info, e.info);
    }

    @Override
    public int hashCode() {
        return java.util.Arrays.hashCode(identity) * 31 + java.util.Arrays.hashCode(requestId);
    }
}

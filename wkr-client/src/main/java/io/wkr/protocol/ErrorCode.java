package io.wkr.protocol;

import java.nio.charset.StandardCharsets;

/**
 * Stable, machine-readable error codes. On the wire an error reply carries {@code "CODE: message"}
 * as UTF-8 in frame 2 and {@code EXCEPTION} in frame 3, so Python clients still see plain text
 * while Java clients raise the matching {@link WKRException} subclass.
 */
public enum ErrorCode {
    /** The request is malformed: frames, info JSON, dtype, shape, size or payload encoding. */
    BAD_REQUEST,
    /** The server's queue is full; retry later. Nothing was queued. */
    OVERLOADED,
    /** The request's deadline passed before a worker took it; the model never saw it. */
    TIMEOUT,
    /** The model threw, returned the wrong number of outputs, or an output could not be encoded. */
    WORKER_FAILED,
    /** The server is draining and takes no new work. */
    SHUTTING_DOWN,
    /** A control request without the right admin token. */
    UNAUTHORIZED,
    /** Anything else; a bug in wkr, or an error text without a code (the Python original). */
    INTERNAL;

    /** The wire text for an error reply of this code. */
    public byte[] format(String message) {
        return (name() + ": " + message).getBytes(StandardCharsets.UTF_8);
    }

    /** Builds the exception a caller sees for this code. */
    public WKRException toException(String message) {
        return switch (this) {
            case BAD_REQUEST -> new BadRequestException(message);
            case OVERLOADED -> new OverloadedException(message);
            case TIMEOUT -> new RequestTimeoutException(message);
            case WORKER_FAILED -> new WorkerFailedException(message, null);
            case SHUTTING_DOWN -> new ShuttingDownException(message);
            case UNAUTHORIZED -> new UnauthorizedException(message);
            case INTERNAL -> new WKRException(INTERNAL, message, null);
        };
    }

    /**
     * Parses the payload of an error reply. Text without a known {@code CODE:} prefix (for
     * instance a traceback from the Python original) becomes {@link #INTERNAL}.
     */
    public static WKRException parse(byte[] payload) {
        String text = new String(payload, StandardCharsets.UTF_8);
        int colon = text.indexOf(':');
        if (colon > 0 && colon < 32) {
            String prefix = text.substring(0, colon);
            for (ErrorCode code : values()) {
                if (code.name().equals(prefix)) {
                    return code.toException(text.substring(colon + 1).strip());
                }
            }
        }
        return new WKRException(INTERNAL, text.strip(), null);
    }
}

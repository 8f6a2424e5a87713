package io.wkr.protocol;

/**
 * Root of every failure a wkr caller can see. The server completes failed requests with one of
 * the subclasses; the client rebuilds the same type from the error reply, so callers write {@code
 * catch (OverloadedException e)} on both sides.
 */
public class WKRException extends RuntimeException {
    private final ErrorCode code;

    public WKRException(ErrorCode code, String message, Throwable cause) {
        super(message, cause);
        this.code = code;
    }

    /** The wire code of this failure. */
    public ErrorCode code() {
        return code;
    }
}

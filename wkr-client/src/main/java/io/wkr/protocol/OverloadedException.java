package io.wkr.protocol;

/** The server's queue was full; nothing was queued. Retry later. Wire code {@link ErrorCode#OVERLOADED}. */
public class OverloadedException extends WKRException {
    public OverloadedException(String message) {
        super(ErrorCode.OVERLOADED, message, null);
    }

    public OverloadedException(String message, Throwable cause) {
        super(ErrorCode.OVERLOADED, message, cause);
    }
}

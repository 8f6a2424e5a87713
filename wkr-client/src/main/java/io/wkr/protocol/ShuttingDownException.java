package io.wkr.protocol;

/** The server is draining and takes no new work. Wire code {@link ErrorCode#SHUTTING_DOWN}. */
public class ShuttingDownException extends WKRException {
    public ShuttingDownException(String message) {
        super(ErrorCode.SHUTTING_DOWN, message, null);
    }

    public ShuttingDownException(String message, Throwable cause) {
        super(ErrorCode.SHUTTING_DOWN, message, cause);
    }
}

package io.wkr.protocol;

/** A control request carried no valid admin token. Wire code {@link ErrorCode#UNAUTHORIZED}. */
public class UnauthorizedException extends WKRException {
    public UnauthorizedException(String message) {
        super(ErrorCode.UNAUTHORIZED, message, null);
    }

    public UnauthorizedException(String message, Throwable cause) {
        super(ErrorCode.UNAUTHORIZED, message, cause);
    }
}

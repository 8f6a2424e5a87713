package io.wkr.protocol;

/** No reply came before the request's deadline. Wire code {@link ErrorCode#TIMEOUT}. */
public class RequestTimeoutException extends WKRException {
    public RequestTimeoutException(String message) {
        super(ErrorCode.TIMEOUT, message, null);
    }

    public RequestTimeoutException(String message, Throwable cause) {
        super(ErrorCode.TIMEOUT, message, cause);
    }
}

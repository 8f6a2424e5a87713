package io.wkr.protocol;

/** The request is malformed and was not processed. Wire code {@link ErrorCode#BAD_REQUEST}. */
public class BadRequestException extends WKRException {
    public BadRequestException(String message) {
        super(ErrorCode.BAD_REQUEST, message, null);
    }

    public BadRequestException(String message, Throwable cause) {
        super(ErrorCode.BAD_REQUEST, message, cause);
    }
}

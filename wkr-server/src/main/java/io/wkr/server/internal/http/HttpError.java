package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;

/**
 * An error answered at the HTTP edge, with its own status: {@code 403}, {@code 405}, {@code 408},
 * {@code 413}, {@code 415}, {@code 421} and the like, whose wire code alone would not say enough.
 */
final class HttpError extends RuntimeException {
    final int status;
    final ErrorCode code;
    /** Extra response header (name, value), or null: {@code Allow} on a 405. */
    final String[] header;

    HttpError(int status, ErrorCode code, String message) {
        this(status, code, message, null, null);
    }

    HttpError(int status, ErrorCode code, String message, String headerName, String headerValue) {
        super(message, null, false, false);
        this.status = status;
        this.code = code;
        this.header = headerName == null ? null : new String[] {headerName, headerValue};
    }
}

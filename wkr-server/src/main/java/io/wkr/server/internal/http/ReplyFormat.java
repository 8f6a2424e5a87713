package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import java.io.IOException;
import java.io.OutputStream;
import org.eclipse.jetty.http.HttpFields;

/**
 * The bodies of a protocol whose answers are not wkr's {@code {"result"}} and {@code {"error":
 * {"code", "message"}}} envelopes (the Open Inference Protocol's, {@link OipRoutes}). An {@link
 * Exchange} given one writes its result and its errors with it; statuses stay those of {@link
 * Exchange#statusOf}.
 */
interface ReplyFormat {
    /** The body of an error answer (JSON). */
    byte[] error(ErrorCode code, String message);

    /**
     * Writes the body of a successful answer to {@code out}, may add headers, and returns its
     * content type. Runs on a reply thread.
     */
    String result(Object output, OutputStream out, HttpFields.Mutable headers) throws IOException;
}

package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/**
 * The status line and the headers that matter of an answer {@link UrlFetcher} reads: status,
 * {@code Content-Length}, chunked or not, {@code Location}. The head may be at most {@value
 * #MAX_HEADER_BYTES} bytes; anything malformed is a 502.
 */
record AnswerHead(int status, long length, boolean chunked, String location) {
    static final int MAX_HEADER_BYTES = 64 * 1024;

    static AnswerHead read(InputStream in, URI uri) throws IOException {
        String statusLine = line(in, uri);
        String[] parts = statusLine.split(" ", 3);
        int status;
        try {
            if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) throw new NumberFormatException();
            status = Integer.parseInt(parts[1]);
        } catch (NumberFormatException e) {
            throw malformed(uri, "status line '" + JsonInputs.quote(statusLine, 60) + "'");
        }
        long length = -1;
        boolean chunked = false;
        String location = null;
        int total = statusLine.length();
        for (String h = line(in, uri); !h.isEmpty(); h = line(in, uri)) {
            total += h.length() + 2;
            if (total > MAX_HEADER_BYTES) throw malformed(uri, "header section (over " + MAX_HEADER_BYTES + " bytes)");
            int colon = h.indexOf(':');
            if (colon < 0) continue;
            String name = h.substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT);
            String value = h.substring(colon + 1).strip();
            switch (name) {
                case "content-length" -> {
                    try {
                        length = Long.parseLong(value);
                    } catch (NumberFormatException e) {
                        throw malformed(uri, "Content-Length");
                    }
                    if (length < 0) throw malformed(uri, "Content-Length");
                }
                case "transfer-encoding" -> chunked = value.toLowerCase(java.util.Locale.ROOT).contains("chunked");
                case "location" -> location = value;
                default -> { }
            }
        }
        return new AnswerHead(status, chunked ? -1 : length, chunked, location);
    }

    /** One CRLF- (or LF-) terminated line, at most {@link #MAX_HEADER_BYTES} long. */
    static String line(InputStream in, URI uri) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c = in.read(); c != '\n'; c = in.read()) {
            if (c < 0) throw malformed(uri, "answer (it ended inside its head)");
            if (b.length() >= MAX_HEADER_BYTES) throw malformed(uri, "header line");
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }

    private static HttpError malformed(URI uri, String what) {
        return new HttpError(502, ErrorCode.BAD_REQUEST, "fetching " + JsonInputs.quote(uri.toString(), 200)
                + " failed: a malformed " + what);
    }
}

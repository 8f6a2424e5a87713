package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;

/** Reads a chunked body's data ({@code Transfer-Encoding: chunked}); trailers are skipped. */
final class ChunkedBody extends InputStream {
    private final InputStream in;
    private final URI uri;
    private long left;
    private boolean done;

    ChunkedBody(InputStream in, URI uri) {
        this.in = in;
        this.uri = uri;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (done) return -1;
        if (left == 0) {
            String size = AnswerHead.line(in, uri);
            int semi = size.indexOf(';');
            try {
                left = Long.parseLong((semi < 0 ? size : size.substring(0, semi)).strip(), 16);
            } catch (NumberFormatException e) {
                throw new HttpError(502, ErrorCode.BAD_REQUEST, "fetching " + uri + " failed: a malformed chunk size");
            }
            if (left == 0) {
                done = true;
                return -1;
            }
        }
        int n = in.read(b, off, (int) Math.min(len, left));
        if (n < 0) throw new HttpError(502, ErrorCode.BAD_REQUEST, "fetching " + uri + " failed: the body ended early");
        left -= n;
        if (left == 0) AnswerHead.line(in, uri); // CRLF after the data
        return n;
    }
}

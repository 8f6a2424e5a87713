package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeoutException;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;

/**
 * Reads one request body without blocking a thread: it takes what Jetty has, asks Jetty to call
 * back when more arrives ({@link Request#demand}) and returns, so a client that sends its body
 * slowly holds a connection but no thread. The buffer grows as bytes arrive (doubling, up to the
 * declared {@code Content-Length}), and every byte of it is first {@linkplain Reservation#take
 * taken} from the memory budget: a slow or stalled client holds only what it has sent. A body
 * without {@code Content-Length} (chunked) is read the same way up to {@code -max_request_bytes}.
 * A body that stops arriving fails with Jetty's idle timeout (30 s without a byte).
 */
final class BodyReader implements Runnable {
    /** Where the body goes; called once, on a Jetty thread. */
    interface Listener {
        void body(byte[] body);

        void failed(Throwable failure);
    }

    /** The smallest buffer: a client that sent a few bytes holds this much. */
    private static final int FIRST_BUFFER = 1024;

    private final Request request;
    private final long declared;
    private final int max;
    private final Reservation reservation;
    private final Listener listener;
    private byte[] buffer = new byte[0];
    private int length;

    /**
     * @param declared the {@code Content-Length}, or -1 for a chunked body
     * @param max the largest body accepted ({@code -max_request_bytes})
     */
    BodyReader(Request request, long declared, int max, Reservation reservation, Listener listener) {
        this.request = request;
        this.declared = declared;
        this.max = max;
        this.reservation = reservation;
        this.listener = listener;
    }

    /** Starts reading; returns at once when the body has not arrived yet. */
    void start() {
        run();
    }

    /** Reads what is there; called again by Jetty when more content arrives. */
    @Override
    public void run() {
        while (true) {
            Content.Chunk chunk;
            try {
                chunk = request.read();
            } catch (RuntimeException e) {
                listener.failed(e);
                return;
            }
            if (chunk == null) {
                request.demand(this);
                return;
            }
            if (Content.Chunk.isFailure(chunk)) {
                listener.failed(failure(chunk.getFailure()));
                return;
            }
            boolean last = chunk.isLast();
            try {
                append(chunk.getByteBuffer());
            } catch (RuntimeException e) {
                listener.failed(e);
                return;
            } finally {
                chunk.release();
            }
            if (last) {
                byte[] body;
                try {
                    body = finish();
                } catch (RuntimeException e) {
                    listener.failed(e);
                    return;
                }
                listener.body(body);
                return;
            }
        }
    }

    private static Throwable failure(Throwable t) {
        if (t instanceof TimeoutException) {
            return new HttpError(408, ErrorCode.BAD_REQUEST, "the body did not arrive in time (no byte for the idle timeout)");
        }
        return new HttpError(400, ErrorCode.BAD_REQUEST, "the body could not be read: " + t.getMessage());
    }

    private void append(ByteBuffer b) {
        int n = b.remaining();
        if (n == 0) return;
        long needed = (long) length + n;
        if (needed > max) throw tooLarge();
        if (needed > buffer.length) grow((int) needed);
        b.get(buffer, length, n);
        length += n;
    }

    private HttpError tooLarge() {
        return new HttpError(413, ErrorCode.BAD_REQUEST, "the body is larger than the server's limit of " + max + " bytes");
    }

    /** Grows the buffer to at least {@code needed}: doubling, never past the declared length or the limit. */
    private void grow(int needed) {
        long limit = declared >= 0 ? declared : max;
        long capacity = Math.max(needed, Math.min(limit, Math.max(FIRST_BUFFER, 2L * buffer.length)));
        reservation.take(capacity);
        byte[] next = Arrays.copyOf(buffer, (int) capacity);
        reservation.give(buffer.length);
        buffer = next;
    }

    /** The body at its exact length (a chunked body's buffer is trimmed, and the rest given back). */
    private byte[] finish() {
        if (length == buffer.length) return buffer;
        reservation.take(length);
        byte[] exact = Arrays.copyOf(buffer, length);
        reservation.give(buffer.length);
        buffer = exact;
        return exact;
    }
}

package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.WKRException;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.IteratingCallback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One HTTP request at the edge and its single answer, written with Jetty's non-blocking API. For
 * a data request ({@code POST /encode}, {@code POST /encode/file}) it also keeps the counters
 * consistent: the request was counted received when it arrived, and its answer is counted once,
 * as succeeded or with its error code, whatever path it took (refused at the edge, bad body,
 * model failure, reply dropped). Errors are {@code {"error": {"code", "message"}}}; an {@code
 * OVERLOADED} one carries {@code Retry-After: 1}. An answer given before the body was read (a 429,
 * a 415 ...) is sent at once; the rest of the body is then read and dropped ({@link Drain}).
 */
final class Exchange {
    private static final Logger logger = LoggerFactory.getLogger(Exchange.class);

    final org.eclipse.jetty.server.Request request;
    final Response response;
    final long arrivalNanos;
    private final Callback callback;
    private final ServerStats stats;
    private final long drainLimit;
    private final String legacySuccess;
    private final LegacyStatus.Counts counts;
    private final AtomicBoolean answered = new AtomicBoolean();
    private volatile ReplyFormat format;

    /**
     * @param stats the counters to answer into, or null for a request that is not a data request
     * @param counts the HTTP side's own counters of data requests ({@code /status/client})
     * @param drainLimit the most body bytes read and dropped after an answer ({@code
     *     -max_request_bytes})
     * @param legacySuccess null for wkr's envelopes; on a route of the original's proxy the {@code
     *     error_message} of a success, and every answer is {@code {"error_code", "error_message",
     *     "data"}} ({@link #legacyBody})
     */
    Exchange(org.eclipse.jetty.server.Request request, Response response, Callback callback, ServerStats stats,
            LegacyStatus.Counts counts, long drainLimit, String legacySuccess) {
        this.legacySuccess = legacySuccess;
        this.counts = stats != null ? counts : null;
        this.request = request;
        this.response = response;
        this.callback = callback;
        this.stats = stats;
        this.drainLimit = drainLimit;
        this.arrivalNanos = System.nanoTime();
        if (stats != null) stats.received();
        if (this.counts != null) this.counts.received();
    }

    /** Answers in {@code format}'s bodies from now on (the Open Inference Protocol's, for one). */
    void format(ReplyFormat format) {
        this.format = format;
    }

    /** Answers a small JSON document that is no model's result (metadata, health), unless answered already. */
    void json(int status, byte[] body) {
        if (!answered.compareAndSet(false, true)) return;
        if (counts != null) counts.answered();
        if (stats != null) stats.completed(arrivalNanos, status < 400 ? null : ErrorCode.BAD_REQUEST);
        write(status, "application/json", List.of(ByteBuffer.wrap(body)), body.length, () -> {});
    }

    /** Answers with the status and code a failure stands for (an unexpected one is a logged 500). */
    void fail(Throwable t) {
        if (t instanceof HttpError e) {
            error(e.status, e.code, e.getMessage(), e.header);
        } else if (t instanceof WKRException e) {
            error(statusOf(e.code()), e.code(), e.getMessage(), null);
        } else {
            logger.error("HTTP request failed unexpectedly", t);
            error(500, ErrorCode.INTERNAL, "the server failed handling this request: " + t, null);
        }
    }

    /** Answers with an error, unless answered already. Cheap: meant for any thread. */
    void error(int status, ErrorCode code, String message, String[] header) {
        if (!answered.compareAndSet(false, true)) return;
        if (stats != null) stats.completed(arrivalNanos, code);
        if (counts != null) counts.answered();
        writeError(status, code, message, header);
    }

    /**
     * Answers {@code {"result": output, "latency_ms": ...}}, serialised here (a reply thread, never
     * a worker) into blocks held in {@code budget} until the reply is sent.
     *
     * @param held what the result itself holds in {@code budget} meanwhile
     */
    void result(Object output, MemoryBudget budget, long held) {
        if (!answered.compareAndSet(false, true)) return;
        if (counts != null) counts.answered();
        Map<String, Object> body = new LinkedHashMap<>();
        if (legacySuccess != null) {
            body.put("error_code", 0);
            body.put("error_message", legacySuccess);
            body.put("data", output);
        } else {
            body.put("result", output);
            body.put("latency_ms", (System.nanoTime() - arrivalNanos) / 1e6);
        }
        ReplyBuffer buffer = new ReplyBuffer(budget, held);
        ReplyFormat f = format;
        String contentType = "application/json";
        try {
            if (f != null) {
                contentType = f.result(output, buffer, response.getHeaders());
            } else {
                ResultJson.MAPPER.writeValue(buffer, body);
            }
        } catch (IOException | RuntimeException e) {
            buffer.release();
            ReplyBuffer.Full full = fullIn(e);
            ErrorCode code = full != null && !full.tooLarge ? ErrorCode.OVERLOADED : ErrorCode.WORKER_FAILED;
            String message = full != null ? full.getMessage() : "the result is not JSON-serialisable: "
                    + JsonInputs.quote(e instanceof JsonProcessingException j ? j.getOriginalMessage() : String.valueOf(e), 300);
            if (stats != null) stats.completed(arrivalNanos, code);
            writeError(statusOf(code), code, message, null);
            return;
        }
        if (stats != null) stats.completed(arrivalNanos, null);
        write(200, contentType, buffer.buffers(), buffer.size(), buffer::release);
    }

    private static ReplyBuffer.Full fullIn(Throwable t) {
        for (int i = 0; t != null && i < 16; t = t.getCause(), i++) {
            if (t instanceof ReplyBuffer.Full f) return f;
        }
        return null;
    }

    /**
     * Answers with a body made by the caller (the OpenAI routes' own shapes), unless answered
     * already; {@code code} is null for a success, else the error it is counted as.
     */
    void answer(int status, ErrorCode code, byte[] body, String[] header) {
        if (!answered.compareAndSet(false, true)) return;
        if (stats != null) stats.completed(arrivalNanos, code);
        if (counts != null) counts.answered();
        if (code == ErrorCode.OVERLOADED) response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        if (header != null) response.getHeaders().put(header[0], header[1]);
        write(status, "application/json", List.of(ByteBuffer.wrap(body)), body.length, () -> {});
    }

    /** Answers 200 with a body serialised into {@code buffer}, given back once sent; unless answered already. */
    void answer(ReplyBuffer buffer) {
        if (!answered.compareAndSet(false, true)) {
            buffer.release();
            return;
        }
        if (stats != null) stats.completed(arrivalNanos, null);
        if (counts != null) counts.answered();
        write(200, "application/json", buffer.buffers(), buffer.size(), buffer::release);
    }

    private void writeError(int status, ErrorCode code, String message, String[] header) {
        if (code == ErrorCode.OVERLOADED) response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
        if (header != null) response.getHeaders().put(header[0], header[1]);
        ReplyFormat f = format;
        byte[] bytes = f != null ? f.error(code, message) : legacySuccess != null ? legacyBody(status, message)
                : errorBody(code, message);
        write(status, "application/json", List.of(ByteBuffer.wrap(bytes)), bytes.length, () -> {});
    }

    /** {@code {"error": {"code": ..., "message": ...}}} */
    static byte[] errorBody(ErrorCode code, String message) {
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.name());
        error.put("message", message);
        try {
            return ResultJson.MAPPER.writeValueAsBytes(Map.of("error", error));
        } catch (JsonProcessingException e) {
            return ("{\"error\":{\"code\":\"" + code.name() + "\",\"message\":\"\"}}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /**
     * An error in the original proxy's envelope: {@code {"error_code": <the HTTP status>,
     * "error_message": ..., "data": {}}} (its {@code /v1/encode_img_bytes} did the same; its other
     * routes said 1 with HTTP 200).
     */
    static byte[] legacyBody(int status, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error_code", status);
        body.put("error_message", message);
        body.put("data", Map.of());
        try {
            return ResultJson.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            return ("{\"error_code\":" + status + ",\"error_message\":\"\",\"data\":{}}").getBytes(StandardCharsets.UTF_8);
        }
    }

    /** Writes a JSON body without blocking; {@code done} runs once it is sent or has failed. */
    private void write(int status, String contentType, List<ByteBuffer> buffers, long length, Runnable done) {
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, length);
        new IteratingCallback() {
            private int next;

            @Override
            protected Action process() {
                if (next == buffers.size()) return Action.SUCCEEDED;
                ByteBuffer b = buffers.get(next++);
                response.write(next == buffers.size(), b, this);
                return Action.SCHEDULED;
            }

            @Override
            protected void onCompleteSuccess() {
                done.run();
                new Drain().run();
            }

            @Override
            protected void onCompleteFailure(Throwable cause) {
                done.run();
                callback.failed(cause);
            }
        }.iterate();
    }

    /**
     * After the answer: reads and drops what is left of the body, without a buffer or a blocked
     * thread, before the request completes, so that a client still sending it (most send the
     * whole body before they read) reads the answer instead of a reset connection, and the
     * connection stays usable. A body over {@code drainLimit} is not read: the connection closes.
     */
    private final class Drain implements Runnable {
        private long dropped;

        @Override
        public void run() {
            if (request.getLength() > drainLimit) {
                callback.succeeded(); // Jetty closes the connection instead
                return;
            }
            while (true) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                boolean done = chunk.isLast() || Content.Chunk.isFailure(chunk);
                dropped += chunk.remaining();
                chunk.release();
                if (done || dropped > drainLimit) {
                    callback.succeeded();
                    return;
                }
            }
        }
    }

    /** The HTTP status of a wire error code. */
    static int statusOf(ErrorCode code) {
        return switch (code) {
            case BAD_REQUEST -> 400;
            case UNAUTHORIZED -> 401;
            case OVERLOADED -> 429;
            case WORKER_FAILED, INTERNAL -> 500;
            case SHUTTING_DOWN -> 503;
            case TIMEOUT -> 504;
        };
    }
}

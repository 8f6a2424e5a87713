package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.wkr.protocol.DType;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.WKRException;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.batching.Completion;
import io.wkr.server.internal.batching.Deadlines;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The OpenAI-compatible routes (docs/http.md, "OpenAI embeddings"): {@code POST /v1/embeddings},
 * {@code GET /v1/models} and {@code GET /v1/models/{id}}, answered in OpenAI's shapes, errors
 * included ({@code {"error": {"message", "type", "param", "code"}}}).
 *
 * <p>An embeddings request is refused before its body is read the way {@link EncodeRoute} refuses
 * (415, 413, 429 with {@code Retry-After}, 503), its body is read without blocking into memory
 * reserved as it arrives ({@link BodyReader}, {@link Reservation}), and each text of its {@code
 * input} becomes one job through the same {@link Admission} as every other request, so the
 * items of several callers share batches. The answer is all or nothing: the first item that
 * fails answers the request with its error. Texts go to a worker that takes strings, token ids
 * (as one INT64 tensor per item) to one that takes tensors, such as a {@code DjlTensorWorker}
 * serving a TorchScript sentence encoder; the other kind is a 400 naming what the model takes
 * (the server knows no tokenizer). {@code dimensions} is accepted only
 * when it equals the size of the model's embeddings (no worker can shorten them).
 */
final class OpenAiRoutes {
    private static final Logger logger = LoggerFactory.getLogger(OpenAiRoutes.class);
    static final String EMBEDDINGS = "/v1/embeddings";
    static final String MODELS = "/v1/models";
    /** OpenAI's own limit on the texts of one request. */
    static final int MAX_ITEMS = 2048;
    private static final byte[] HTTP_IDENTITY = "http".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_PAYLOAD = new byte[0];
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FIELDS = Set.of("input", "model", "encoding_format", "dimensions", "user");

    private final ServerConfig config;
    private final Admission admission;
    private final Executor replies;
    private final ServerStats stats;
    private final MemoryBudget replyMemory;
    private final String model;
    private final boolean tensorWorker;
    private final long created = System.currentTimeMillis() / 1000;
    private final AtomicLong requestIds = new AtomicLong();

    /**
     * @param replyMemory the reply budget ({@code -max_reply_bytes}): the items' outputs are held
     *     there until the answer is serialised, and the answer until it is written
     * @param model the one model this server serves: {@code -model_name}, or the worker class's simple name
     * @param tensorWorker the worker takes tensors: {@code input} must be token ids, each one INT64
     *     tensor; otherwise texts, each one string
     */
    OpenAiRoutes(ServerConfig config, Admission admission, ServerStats stats, Executor replies,
            MemoryBudget replyMemory, String model, boolean tensorWorker) {
        this.replyMemory = replyMemory;
        this.tensorWorker = tensorWorker;
        this.stats = stats;
        this.config = config;
        this.admission = admission;
        this.replies = replies;
        this.model = model;
    }

    /** Whether a path is one of these routes. */
    static boolean handles(String path) {
        return path.equals(EMBEDDINGS) || path.equals(EMBEDDINGS + "/") || path.equals(MODELS) || path.startsWith(MODELS + "/");
    }

    /** Whether a request is an embeddings request (a data request, counted as received). */
    static boolean data(String path, String method) {
        return "POST".equals(method) && (path.equals(EMBEDDINGS) || path.equals(EMBEDDINGS + "/"));
    }

    /**
     * One request's single answer. An embeddings request counts as one request received per text
     * of its input (each is one job), answered together: the statistics stay those of ZeroMQ
     * requests (received = succeeded + failed, accepted at most received).
     */
    final class Reply {
        final Exchange x;
        private final boolean data;
        private final java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        private volatile int items = 1;

        Reply(Exchange x, boolean data) {
            this.x = x;
            this.data = data;
            if (data) stats.received();
        }

        /** The request turned out to hold {@code n} texts: n - 1 more requests received. */
        void items(int n) {
            if (!data) return;
            for (int i = 1; i < n; i++) stats.received();
            items = n;
        }

        /** A success serialised into the reply budget. */
        void answer(ReplyBuffer buffer) {
            if (!done.compareAndSet(false, true)) {
                buffer.release();
                return;
            }
            if (data) for (int i = 0; i < items; i++) stats.completed(x.arrivalNanos, null);
            x.answer(buffer);
        }

        void answer(int status, ErrorCode code, byte[] body, String[] header) {
            if (!done.compareAndSet(false, true)) return;
            if (data) for (int i = 0; i < items; i++) stats.completed(x.arrivalNanos, code);
            x.answer(status, code, body, header);
        }
    }

    /**
     * Handles one request; every answer, error or not, is written through {@code x}.
     *
     * @param auth throws an {@link HttpError} 401 when the request lacks the server's bearer token
     */
    void handle(Exchange exchange, String path, Runnable auth) {
        Reply x = new Reply(exchange, data(path, exchange.request.getMethod()));
        try {
            String method = exchange.request.getMethod();
            boolean embeddings = path.equals(EMBEDDINGS) || path.equals(EMBEDDINGS + "/");
            String allow = embeddings ? "POST, OPTIONS" : "GET, HEAD, OPTIONS";
            if (embeddings ? !"POST".equals(method) : !("GET".equals(method) || "HEAD".equals(method))) {
                throw new OpenAiError(405, "invalid_request_error", null, "method_not_allowed", method
                        + " is not allowed on " + path + "; use " + allow.replace(", OPTIONS", ""), "Allow", allow);
            }
            auth.run();
            if (embeddings) {
                embeddings(x);
            } else {
                models(x, path);
            }
        } catch (RuntimeException e) {
            fail(x, e);
        }
    }

    // ------------------------------------------------------------------------------ models

    private void models(Reply x, String path) {
        Map<String, Object> card = new LinkedHashMap<>();
        card.put("id", model);
        card.put("object", "model");
        card.put("created", created);
        card.put("owned_by", "wkr");
        if (path.equals(MODELS) || path.equals(MODELS + "/")) {
            Map<String, Object> list = new LinkedHashMap<>();
            list.put("object", "list");
            list.put("data", List.of(card));
            ok(x, list);
            return;
        }
        String id = path.substring(MODELS.length() + 1);
        if (!id.equals(model)) throw unknownModel(id);
        ok(x, card);
    }

    private OpenAiError unknownModel(String id) {
        return new OpenAiError(404, "invalid_request_error", "model", "model_not_found", "The model '"
                + JsonInputs.quote(id, 100) + "' does not exist; this server serves '" + model + "' (GET /v1/models)");
    }

    private static void ok(Reply x, Object body) {
        try {
            x.answer(200, null, JSON.writeValueAsBytes(body), null);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    // -------------------------------------------------------------------------- embeddings

    private void embeddings(Reply x) {
        Request request = x.x.request;
        String type = EncodeRoute.mediaType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        if (!type.equals("application/json") && !(type.isEmpty() && request.getLength() == 0)) {
            throw new OpenAiError(415, "invalid_request_error", null, "unsupported_media_type", "Content-Type '"
                    + JsonInputs.quote(type, 80) + "' is refused: send the request as application/json");
        }
        long declared = request.getLength();
        if (declared > config.maxRequestBytes()) {
            throw new HttpError(413, ErrorCode.BAD_REQUEST, "the body of " + declared
                    + " bytes is larger than the server's limit of " + config.maxRequestBytes() + " bytes");
        }
        long deadline = Deadlines.of(EncodeRoute.timeoutMillis(request), config.requestTimeout(), x.x.arrivalNanos);
        Admission.Refusal refusal = admission.refusal(Math.max(0, declared));
        if (refusal != null) throw refusal.code().toException(refusal.message());
        request.addIdleTimeoutListener(timeout -> false);
        Reservation reservation = new Reservation(admission.memory());
        new BodyReader(request, declared, config.maxRequestBytes(), reservation, new BodyReader.Listener() {
            @Override
            public void body(byte[] body) {
                try {
                    reservation.bodyRead(body.length);
                    Call call = parse(x, body, reservation);
                    call.queue(reservation, deadline);
                } catch (RuntimeException e) {
                    reservation.release();
                    fail(x, e);
                }
            }

            @Override
            public void failed(Throwable failure) {
                reservation.release();
                fail(x, failure);
            }
        }).start();
    }

    private Call parse(Reply x, byte[] body, Reservation reservation) {
        reservation.charge(4L * body.length); // the parsed tree
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw badRequest(null, "the body is not JSON: " + JsonInputs.quote(e.getOriginalMessage(), 200));
        } catch (IOException e) {
            throw badRequest(null, "the body is not JSON: " + JsonInputs.quote(e.getMessage(), 200));
        }
        if (root == null || !root.isObject()) throw badRequest(null, "the body must be a JSON object");
        for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
            String f = it.next();
            if (!FIELDS.contains(f)) {
                throw badRequest(f, "Unrecognized request argument supplied: " + JsonInputs.quote(f, 80));
            }
        }
        JsonNode m = root.get("model");
        if (m == null || m.isNull()) throw badRequest("model", "you must provide a model parameter");
        if (!m.isTextual()) throw badRequest("model", "'model' must be a string");
        if (!m.asText().equals(model)) throw unknownModel(m.asText());
        JsonNode f = root.get("encoding_format");
        boolean base64;
        if (f == null || f.isNull() || f.isTextual() && f.asText().equals("float")) {
            base64 = false;
        } else if (f.isTextual() && f.asText().equals("base64")) {
            base64 = true;
        } else {
            throw badRequest("encoding_format", "'encoding_format' must be 'float' or 'base64', got "
                    + JsonInputs.quote(f.toString(), 80));
        }
        JsonNode d = root.get("dimensions");
        int dimensions = 0;
        if (d != null && !d.isNull()) {
            if (!d.canConvertToInt() || !d.isIntegralNumber() || d.asInt() < 1) {
                throw badRequest("dimensions", "'dimensions' must be an integer >= 1");
            }
            dimensions = d.asInt();
        }
        JsonNode u = root.get("user");
        if (u != null && !u.isNull() && !u.isTextual()) throw badRequest("user", "'user' must be a string");
        Items items = items(root.get("input"), tensorWorker);
        reservation.charge(items.bytes());
        x.items(items.inputs().size());
        return new Call(x, items, base64, dimensions);
    }

    /** The worker inputs of an {@code input}, what the usage counts, and what they hold. */
    record Items(List<Object> inputs, long tokens, long bytes) {}

    /**
     * The worker inputs of an {@code input}: texts for a worker that takes strings; token ids (a
     * list of ints, or a list of such lists) as one INT64 tensor each for a worker that takes
     * tensors ({@code DjlTensorWorker}). The other kind is refused, naming what the model takes.
     */
    static Items items(JsonNode input, boolean tensorWorker) {
        if (input == null || input.isNull()) throw badRequest("input", "you must provide an input parameter");
        if (input.isTextual()) {
            if (input.asText().isEmpty()) throw badRequest("input", "'input' must not be an empty string");
            if (tensorWorker) throw textRefused();
            return new Items(List.of(input.asText()), words(input.asText()), 2L * input.asText().length() + 48);
        }
        if (!input.isArray()) {
            throw badRequest("input", "'input' must be a string, a list of strings, or token ids; got a "
                    + input.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        if (input.isEmpty()) throw badRequest("input", "'input' must not be an empty list");
        JsonNode first = input.get(0);
        if (first.isIntegralNumber()) {
            if (!tensorWorker) throw tokensRefused();
            return new Items(List.of(tokens(input, "'input'")), input.size(), 8L * input.size() + 64);
        }
        if (input.size() > MAX_ITEMS) {
            throw badRequest("input", "'input' holds " + input.size() + " items; at most " + MAX_ITEMS + " are allowed");
        }
        List<Object> inputs = new ArrayList<>(input.size());
        long tokens = 0;
        long bytes = 0;
        if (first.isArray()) {
            if (!tensorWorker) throw tokensRefused();
            for (int i = 0; i < input.size(); i++) {
                JsonNode t = input.get(i);
                if (!t.isArray()) throw badRequest("input", "'input' item " + i + " must be a list of token ids");
                inputs.add(tokens(t, "'input' item " + i));
                tokens += t.size();
                bytes += 8L * t.size() + 64;
            }
            return new Items(inputs, tokens, bytes);
        }
        if (tensorWorker) throw textRefused();
        for (int i = 0; i < input.size(); i++) {
            JsonNode t = input.get(i);
            if (!t.isTextual()) {
                throw badRequest("input", "'input' item " + i + " must be a string, got a "
                        + t.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            if (t.asText().isEmpty()) throw badRequest("input", "'input' item " + i + " must not be an empty string");
            inputs.add(t.asText());
            tokens += words(t.asText());
            bytes += 2L * t.asText().length() + 48;
        }
        return new Items(inputs, tokens, bytes);
    }

    private static Tensor tokens(JsonNode list, String what) {
        if (list.isEmpty()) throw badRequest("input", what + " must not be an empty list of token ids");
        long[] ids = new long[list.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode id = list.get(i);
            if (!id.isIntegralNumber() || !id.canConvertToLong() || id.asLong() < 0) {
                throw badRequest("input", what + " must hold token ids (integers >= 0); element " + i + " is "
                        + JsonInputs.quote(id.toString(), 40));
            }
            ids[i] = id.asLong();
        }
        return Tensor.of(ids);
    }

    private static OpenAiError tokensRefused() {
        return badRequest("input", "token-id input is not supported: this server's model takes text, and the server "
                + "does not know a tokenizer; send the texts themselves");
    }

    private static OpenAiError textRefused() {
        return badRequest("input", "this server's model takes token ids (its worker takes tensors): tokenize the "
                + "texts with the model's tokenizer and send 'input' as a list of token ids, or a list of such lists");
    }

    private static OpenAiError badRequest(String param, String message) {
        return new OpenAiError(400, "invalid_request_error", param, null, message);
    }

    /** One embeddings request: its items, queued one job each, and its single answer. */
    private final class Call {
        private final Reply x;
        private final List<Object> texts;
        private final long tokens;
        private final boolean base64;
        private final int dimensions;
        private final Object[] outputs;
        private final AtomicInteger left;
        /** What the outputs received so far hold in the reply budget. */
        private final AtomicLong held = new AtomicLong();
        /** An item failed: the request is answered; outputs still arriving are given back at once. */
        private volatile boolean failed;

        Call(Reply x, Items items, boolean base64, int dimensions) {
            this.x = x;
            this.texts = items.inputs();
            this.tokens = items.tokens();
            this.base64 = base64;
            this.dimensions = dimensions;
            this.outputs = new Object[texts.size()];
            this.left = new AtomicInteger(texts.size());
        }

        /** Queues one job per text, each holding a share of what the request took. */
        void queue(Reservation reservation, long deadline) {
            int n = texts.size();
            long held = reservation.held();
            reservation.handOver();
            long share = held / n;
            long rest = held;
            for (int i = 0; i < n; i++) {
                long bytes = i == n - 1 ? rest : share;
                rest -= bytes;
                byte[] id = Long.toString(requestIds.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
                Job job = new Job(HTTP_IDENTITY, id, NO_PAYLOAD, Map.of(), texts.get(i), bytes, new Item(i),
                        x.x.arrivalNanos, deadline);
                job.adopt(admission.memory());
                if (!admission.admit(job)) { // answered by the item's failure; the rest is given back
                    if (rest > 0) admission.memory().release(rest);
                    return;
                }
            }
        }

        private final class Item implements Completion {
            private final int index;

            Item(int index) {
                this.index = index;
            }

            @Override
            public void succeeded(Job job, Object output) {
                long bytes = sizeOf(output); // already allocated: counted, never refused, until serialised
                replyMemory.reserve(bytes);
                held.addAndGet(bytes);
                outputs[index] = output;
                if (failed) {
                    giveBack();
                    return;
                }
                if (left.decrementAndGet() != 0) return;
                try {
                    replies.execute(Call.this::answer);
                } catch (RejectedExecutionException e) {
                    giveBack();
                    fail(x, new HttpError(429, ErrorCode.OVERLOADED, "too many HTTP replies are waiting to be written; "
                            + "the result was dropped; retry later"));
                }
            }

            @Override
            public void failed(Job job, ErrorCode code, String message) {
                // the request is answered with this error; later successes answer nothing and give back
                failed = true;
                left.set(-1_000_000);
                giveBack();
                fail(x, code.toException(message));
            }
        }

        /** Gives back what the outputs hold (once every item has answered, or the request failed). */
        private void giveBack() {
            long h = held.getAndSet(0);
            if (h > 0) replyMemory.release(h);
            java.util.Arrays.fill(outputs, null);
        }

        private void answer() {
            ReplyBuffer out = new ReplyBuffer(replyMemory, held.get());
            try {
                try (JsonGenerator g = JSON.getFactory().createGenerator(out)) {
                    g.writeStartObject();
                    g.writeStringField("object", "list");
                    g.writeArrayFieldStart("data");
                    for (int i = 0; i < outputs.length; i++) {
                        float[] v = vector(outputs[i]);
                        if (dimensions != 0 && dimensions != v.length) {
                            throw badRequest("dimensions", "this model's embeddings have " + v.length + " dimensions "
                                    + "and it cannot make them shorter or longer: leave 'dimensions' out or send " + v.length);
                        }
                        g.writeStartObject();
                        g.writeStringField("object", "embedding");
                        g.writeNumberField("index", i);
                        if (base64) {
                            ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
                            for (float f : v) b.putFloat(f);
                            g.writeStringField("embedding", Base64.getEncoder().encodeToString(b.array()));
                        } else {
                            g.writeArrayFieldStart("embedding");
                            for (float f : v) g.writeNumber(f);
                            g.writeEndArray();
                        }
                        g.writeEndObject();
                    }
                    g.writeEndArray();
                    g.writeStringField("model", model);
                    g.writeObjectFieldStart("usage");
                    g.writeNumberField("prompt_tokens", tokens);
                    g.writeNumberField("total_tokens", tokens);
                    g.writeEndObject();
                    g.writeEndObject();
                }
                giveBack();
                x.answer(out);
            } catch (IOException | RuntimeException e) {
                out.release();
                giveBack();
                ReplyBuffer.Full full = e instanceof ReplyBuffer.Full f ? f
                        : e.getCause() instanceof ReplyBuffer.Full f ? f : null;
                if (full != null) {
                    fail(x, new HttpError(full.tooLarge ? 500 : 429, full.tooLarge ? ErrorCode.WORKER_FAILED
                            : ErrorCode.OVERLOADED, full.getMessage()));
                } else {
                    fail(x, e);
                }
            }
        }
    }

    /** The bytes of an array or tensor output; 0 for other objects (not estimated). */
    private static long sizeOf(Object output) {
        if (output instanceof float[] f) return 4L * f.length;
        if (output instanceof double[] d) return 8L * d.length;
        if (output instanceof Tensor t) return (long) t.size() * t.dtype().byteSize();
        return 0;
    }

    /** An output as a vector of floats. */
    static float[] vector(Object output) {
        if (output instanceof float[] f) return f;
        if (output instanceof double[] d) {
            float[] f = new float[d.length];
            for (int i = 0; i < d.length; i++) f[i] = (float) d[i];
            return f;
        }
        if (output instanceof Tensor t && (t.dtype() == DType.FLOAT32 || t.dtype() == DType.FLOAT64)) {
            return t.dtype() == DType.FLOAT32 ? t.toFloatArray() : vector(t.toDoubleArray());
        }
        if (output instanceof List<?> l && l.stream().allMatch(o -> o instanceof Number)) {
            float[] f = new float[l.size()];
            for (int i = 0; i < f.length; i++) f[i] = ((Number) l.get(i)).floatValue();
            return f;
        }
        throw new HttpError(500, ErrorCode.WORKER_FAILED, "the worker's output is not a vector of numbers (float[], "
                + "double[], a FLOAT32/FLOAT64 tensor or a list of numbers) and cannot be an embedding: "
                + (output == null ? "null" : output.getClass().getName()));
    }

    /** The usage a text counts: its whitespace-separated words (the server knows no tokenizer). */
    static long words(String text) {
        long n = 0;
        boolean in = false;
        for (int i = 0; i < text.length(); i++) {
            boolean space = Character.isWhitespace(text.charAt(i));
            if (!space && !in) n++;
            in = !space;
        }
        return n;
    }

    // ------------------------------------------------------------------------------ errors

    /** An error with OpenAI's {@code type}, {@code param} and {@code code}. */
    static final class OpenAiError extends RuntimeException {
        final int status;
        final String type;
        final String param;
        final String code;
        final String[] header;

        OpenAiError(int status, String type, String param, String code, String message, String... header) {
            super(message, null, false, false);
            this.status = status;
            this.type = type;
            this.param = param;
            this.code = code;
            this.header = header.length == 2 ? header : null;
        }
    }

    /** Answers a failure in OpenAI's error shape. */
    static void fail(Reply x, Throwable t) {
        int status;
        ErrorCode counted;
        String type;
        String param = null;
        String code = null;
        String[] header = null;
        String message = t.getMessage();
        if (t instanceof OpenAiError e) {
            status = e.status;
            counted = status >= 500 ? ErrorCode.INTERNAL : status == 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.BAD_REQUEST;
            type = e.type;
            param = e.param;
            code = e.code;
            header = e.header;
        } else if (t instanceof HttpError e) {
            status = e.status;
            counted = e.code;
            header = e.header;
            type = typeOf(status);
            code = codeOf(status, e.code);
        } else if (t instanceof WKRException e) {
            status = Exchange.statusOf(e.code());
            counted = e.code();
            type = typeOf(status);
            code = codeOf(status, e.code());
        } else {
            logger.error("OpenAI-compatible request failed unexpectedly", t);
            status = 500;
            counted = ErrorCode.INTERNAL;
            type = "server_error";
            message = "the server failed handling this request: " + t;
        }
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("message", message);
        error.put("type", type);
        error.put("param", param);
        error.put("code", code);
        byte[] body;
        try {
            body = JSON.writeValueAsBytes(Map.of("error", error));
        } catch (IOException e) {
            body = "{\"error\":{\"message\":\"\",\"type\":\"server_error\",\"param\":null,\"code\":null}}"
                    .getBytes(StandardCharsets.UTF_8);
        }
        x.answer(status, counted, body, header);
    }

    private static String typeOf(int status) {
        if (status == 401) return "authentication_error";
        if (status == 429) return "rate_limit_error";
        return status >= 500 ? "server_error" : "invalid_request_error";
    }

    private static String codeOf(int status, ErrorCode code) {
        return switch (status) {
            case 401 -> "invalid_api_key";
            case 408 -> "request_timeout";
            case 413 -> "request_too_large";
            case 429 -> "rate_limit_exceeded";
            case 503 -> "server_shutting_down";
            case 504 -> "timeout";
            default -> code == null ? null : code.name().toLowerCase(java.util.Locale.ROOT);
        };
    }
}

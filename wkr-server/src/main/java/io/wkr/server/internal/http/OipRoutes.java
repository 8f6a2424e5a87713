package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.config.TensorSpec;
import io.wkr.server.internal.oip.OipModel;
import io.wkr.server.internal.oip.OipTensors;
import io.wkr.server.internal.ServerJson;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.status.Latency;
import io.wkr.server.status.ServerSnapshot;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The Open Inference Protocol (KServe v2) over REST, with the Triton extensions its tools need
 * first: {@code GET /v2}, {@code /v2/health/live}, {@code /v2/health/ready}, {@code
 * /v2/models/{m}}, {@code /v2/models/{m}/ready}, {@code /v2/models/{m}/config}, {@code
 * /v2/models/{m}/stats} (and {@code /v2/models/stats}, all models: the one) and {@code POST /v2/models/{m}/infer} (an optional {@code
 * /versions/{v}} after the model name is taken and ignored). A server serves one model ({@link
 * OipModel}: its name and signature). An inference goes through {@link EncodeRoute#receive}, the same admission and queue
 * as {@code /encode}. Errors are {@code {"error": "<message>"}} with the statuses of {@link
 * Exchange#statusOf}.
 */
final class OipRoutes {
    static final String PREFIX = "/v2";
    /** The extensions {@code GET /v2} advertises. */
    static final List<String> EXTENSIONS = List.of("binary_tensor_data", "model_configuration", "statistics");

    private final ServerConfig config;
    private final Admission admission;
    private final Supplier<ServerSnapshot> status;
    private final BooleanSupplier ready;
    private final EncodeRoute encode;
    private final OipModel model;

    OipRoutes(ServerConfig config, Admission admission, Supplier<ServerSnapshot> status, BooleanSupplier ready,
            EncodeRoute encode, OipModel model) {
        this.model = model;
        this.config = config;
        this.admission = admission;
        this.status = status;
        this.ready = ready;
        this.encode = encode;
    }

    /** {@code /v2/health/live} needs no token, as {@code /health}: for liveness probes. */
    static boolean open(String path) {
        return path.equals(PREFIX + "/health/live");
    }

    /** The error body of this protocol: {@code {"error": "<message>"}}. */
    static final ReplyFormat ERRORS = OipInfer.Reply.errors();

    /** Answers one request under {@code /v2}; errors are thrown for the caller to answer. */
    void handle(Exchange x, String path, String method) {
        x.format(ERRORS);
        String p = path.endsWith("/") && path.length() > 1 ? path.substring(0, path.length() - 1) : path;
        boolean get = method.equals("GET") || method.equals("HEAD");
        switch (p) {
            case PREFIX -> only(get, method, p, () -> x.json(200, json(serverMetadata())));
            case PREFIX + "/health/live" -> only(get, method, p, () -> x.json(200, json(Map.of("live", true))));
            case PREFIX + "/health/ready" -> only(get, method, p, () -> x.json(ready() ? 200 : 503, json(Map.of("ready", ready()))));
            case PREFIX + "/models/stats" -> only(get, method, p, () -> x.json(200, json(stats(status.get()))));
            default -> model(x, p, method, get);
        }
    }

    private void model(Exchange x, String p, String method, boolean get) {
        String models = PREFIX + "/models/";
        if (!p.startsWith(models)) throw notFound(p);
        String[] parts = p.substring(models.length()).split("/", -1);
        String name = parts[0];
        int next = 1;
        if (parts.length >= 3 && parts[1].equals("versions")) next = 3; // one version: any number names it
        String action = parts.length == next ? "" : parts.length == next + 1 ? parts[next] : null;
        if (action == null || name.isEmpty()) throw notFound(p);
        if (!name.equals(modelName())) {
            throw new HttpError(404, ErrorCode.BAD_REQUEST, "unknown model '" + JsonInputs.quote(name, JsonInputs.QUOTE)
                    + "': this server serves '" + modelName() + "'");
        }
        switch (action) {
            case "" -> only(get, method, p, () -> x.json(200, json(modelMetadata())));
            case "ready" -> only(get, method, p, () -> x.json(ready() ? 200 : 503,
                    json(Map.of("name", modelName(), "ready", ready()))));
            case "config" -> only(get, method, p, () -> x.json(200, json(modelConfig())));
            case "stats" -> only(get, method, p, () -> x.json(200, json(stats(status.get()))));
            case "infer" -> {
                if (!method.equals("POST")) throw notAllowed(method, p, "POST");
                encode.receive(x, new OipInfer(model, x)::input);
            }
            default -> throw notFound(p);
        }
    }

    private static void only(boolean get, String method, String path, Runnable answer) {
        if (!get) throw notAllowed(method, path, "GET, HEAD");
        answer.run();
    }

    private static HttpError notAllowed(String method, String path, String allow) {
        return new HttpError(405, ErrorCode.BAD_REQUEST, method + " is not allowed on " + path + "; use " + allow,
                "Allow", allow + ", OPTIONS");
    }

    private static HttpError notFound(String path) {
        return new HttpError(404, ErrorCode.BAD_REQUEST, "no such route: " + JsonInputs.quote(path, 100));
    }

    private boolean ready() {
        return ready.getAsBoolean() && !admission.draining();
    }

    String modelName() {
        return model.name();
    }

    private Map<String, Object> serverMetadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", "wkr");
        m.put("version", status.get().server().serverVersion());
        m.put("extensions", EXTENSIONS);
        m.put("models", List.of(modelName()));
        return m;
    }

    private Map<String, Object> modelMetadata() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", modelName());
        m.put("versions", List.of(OipModel.VERSION));
        m.put("platform", OipModel.PLATFORM);
        m.put("inputs", model.signature().inputs().stream().map(OipRoutes::metadata).toList());
        m.put("outputs", model.signature().outputs().stream().map(OipRoutes::metadata).toList());
        return m;
    }

    /**
     * Triton's model configuration, as {@code perf_analyzer} reads it: {@code max_batch_size} 0
     * because a request is one item (the server batches requests from all callers itself).
     */
    private Map<String, Object> modelConfig() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", modelName());
        m.put("platform", "wkr");
        m.put("backend", "wkr");
        m.put("max_batch_size", 0);
        m.put("input", model.signature().inputs().stream().map(t -> Map.of("name", t.name(), "data_type",
                "TYPE_" + typeName(t.datatype()), "dims", t.shape(), "optional", false, "is_shape_tensor", false)).toList());
        m.put("output", model.signature().outputs().stream().map(t -> Map.of("name", t.name(), "data_type",
                "TYPE_" + typeName(t.datatype()), "dims", t.shape())).toList());
        m.put("model_transaction_policy", Map.of("decoupled", false));
        m.put("response_cache", Map.of("enable", false));
        m.put("dynamic_batching", Map.of("max_queue_delay_microseconds", 0, "preferred_batch_size", List.of(config.batchSize())));
        return m;
    }

    private static Map<String, Object> metadata(TensorSpec t) {
        return Map.of("name", t.name(), "datatype", t.datatype(), "shape", t.shape());
    }

    /** Triton's config names BYTES {@code TYPE_STRING}. */
    private static String typeName(String datatype) {
        return datatype.equals(OipTensors.BYTES) ? "STRING" : datatype;
    }

    /**
     * Triton's statistics from the server's snapshot: {@code queue} is the wait in the queue,
     * {@code compute_infer} the time of {@code predict} (per batch), nanoseconds as Triton says them.
     */
    Map<String, Object> stats(ServerSnapshot s) {
        Map<String, Object> inference = new LinkedHashMap<>();
        inference.put("success", duration(s.requests().succeeded(), s.latencyMs()));
        inference.put("fail", duration(s.requests().failed(), null));
        inference.put("queue", duration(s.queueWaitMs().count(), s.queueWaitMs()));
        inference.put("compute_input", duration(0, null));
        inference.put("compute_infer", duration(s.predictMs().count(), s.predictMs()));
        inference.put("compute_output", duration(0, null));
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("name", modelName());
        entry.put("version", OipModel.VERSION);
        entry.put("last_inference", s.server().serverCurrentTime().toEpochMilli());
        entry.put("inference_count", s.batches().items());
        entry.put("execution_count", s.batches().count());
        entry.put("inference_stats", inference);
        entry.put("batch_stats", List.of());
        return Map.of("model_stats", List.of(entry));
    }

    private static Map<String, Object> duration(long count, Latency latency) {
        long ns = latency == null ? 0 : latency.sumNanos() > 0 ? latency.sumNanos() : Math.round(latency.mean() * latency.count() * 1e6);
        Map<String, Object> d = new LinkedHashMap<>();
        d.put("count", count);
        d.put("ns", ns);
        return d;
    }

    private static byte[] json(Object body) {
        return ServerJson.bytes(body);
    }
}

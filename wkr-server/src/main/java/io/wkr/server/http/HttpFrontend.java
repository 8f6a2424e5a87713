package io.wkr.server.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.UploadedFile;
import io.javalin.http.staticfiles.Location;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.WKRException;
import io.wkr.server.ServerConfig;
import io.wkr.server.batching.Admission;
import io.wkr.server.batching.Deadlines;
import io.wkr.server.batching.Job;
import io.wkr.server.stats.ServerStats;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a server (Javalin on Jetty). Routes:
 *
 * <ul>
 *   <li>{@code GET /health}: 200 while the process is up (never needs a token);
 *   <li>{@code GET /ready}: 200 when every worker has its model and the server is not draining,
 *       503 otherwise;
 *   <li>{@code GET /status}: configuration and live statistics as JSON (a superset of {@code
 *       SHOW_CONFIG});
 *   <li>{@code GET /metrics}: Prometheus text format;
 *   <li>{@code POST /encode}: a JSON input in, {@code {"result": ...}} out;
 *   <li>{@code POST /encode/file}: an uploaded file (multipart field {@code file}, or the raw
 *       body) in, the same envelope out;
 *   <li>{@code GET /}: the dashboard, with its assets under {@code /wkr-dashboard/}.
 * </ul>
 *
 * <p>Errors are {@code {"error": {"code": ..., "message": ...}}} with 400 (bad input), 401 (no
 * valid token), 413 (body too large), 429 + {@code Retry-After} (queue full), 500 (model
 * failure), 503 (draining) or 504 (deadline). Requests enter the same bounded queue as ZeroMQ
 * requests. Jetty's threads are never blocked on a model: handlers return futures.
 */
public final class HttpFrontend implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(HttpFrontend.class);
    private static final byte[] HTTP_IDENTITY = "http".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_PAYLOAD = new byte[0];
    private static final String DASHBOARD = "/wkr-dashboard";

    private final ServerConfig config;
    private final Admission admission;
    private final ServerStats stats;
    private final Supplier<Map<String, Object>> status;
    private final BooleanSupplier ready;
    private final ObjectMapper mapper = new ObjectMapper().disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);
    private final AtomicLong requestIds = new AtomicLong();
    private final Javalin app;

    /**
     * @param status builds the status map ({@code WKRServer.status()})
     * @param ready true while the server is ready to serve
     */
    public HttpFrontend(ServerConfig config, Admission admission, ServerStats stats,
            Supplier<Map<String, Object>> status, BooleanSupplier ready) {
        this.config = config;
        this.admission = admission;
        this.stats = stats;
        this.status = status;
        this.ready = ready;
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = "*".equals(config.bindHost()) ? null : config.bindHost();
            cfg.jetty.port = config.httpPort();
            cfg.http.maxRequestSize = config.maxRequestBytes();
            cfg.jetty.multipartConfig.maxFileSize(config.maxRequestBytes(), io.javalin.config.SizeUnit.BYTES);
            cfg.jetty.multipartConfig.maxTotalRequestSize(config.maxRequestBytes() + 65_536L,
                    io.javalin.config.SizeUnit.BYTES);
            cfg.staticFiles.enableWebjars();
            cfg.staticFiles.add(sf -> {
                sf.hostedPath = DASHBOARD;
                sf.directory = DASHBOARD;
                sf.location = Location.CLASSPATH;
            });
            cfg.routes.before(this::corsAndAuth);
            cfg.routes.options("/*", ctx -> ctx.status(204));
            cfg.routes.get("/health", ctx -> json(ctx, 200, Map.of("status", "alive")));
            cfg.routes.get("/ready", this::readiness);
            cfg.routes.get("/status", ctx -> json(ctx, 200, status.get()));
            cfg.routes.get("/metrics", ctx -> ctx.contentType(PrometheusText.CONTENT_TYPE).result(PrometheusText.render(
                    stats, admission.queue().size(), admission.queue().capacity(), ready.getAsBoolean())));
            cfg.routes.post("/encode", ctx -> submit(ctx, parseJson(ctx)));
            cfg.routes.post("/encode/file", ctx -> submit(ctx, JsonValues.fileInput(fileBytes(ctx), config.protocol())));
            cfg.routes.get("/", this::dashboard);
            cfg.routes.exception(HttpError.class, (e, ctx) -> error(ctx, e.status, e.code, e.getMessage()));
            cfg.routes.exception(io.javalin.http.HttpResponseException.class, (e, ctx) -> {
                // Javalin's own answers (413 for a body over max_request_bytes, 404 ...) in our envelope
                ErrorCode code = e.getStatus() == 401 ? ErrorCode.UNAUTHORIZED
                        : e.getStatus() >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
                String message = e.getStatus() == 413
                        ? "the body is larger than the server's limit of " + config.maxRequestBytes() + " bytes"
                        : e.getMessage();
                error(ctx, e.getStatus(), code, message);
            });
            cfg.routes.exception(BadRequestException.class, (e, ctx) -> {
                stats.completed(System.nanoTime(), ErrorCode.BAD_REQUEST);
                error(ctx, 400, ErrorCode.BAD_REQUEST, e.getMessage());
            });
        });
    }

    /** Starts listening; returns the bound port. */
    public int start() {
        app.start();
        logger.info("HTTP on port {} (dashboard at /, metrics at /metrics{})", app.port(),
                config.httpToken() != null ? ", bearer token required" : "");
        return app.port();
    }

    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        app.stop();
    }

    // ------------------------------------------------------------------------------ routes

    private void readiness(Context ctx) {
        boolean ok = ready.getAsBoolean() && !admission.draining();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ok);
        body.put("state", admission.draining() ? "DRAINING" : ok ? "READY" : "NOT_READY");
        json(ctx, ok ? 200 : 503, body);
    }

    private Object parseJson(Context ctx) {
        byte[] body = ctx.bodyAsBytes();
        Object value;
        try {
            value = mapper.readValue(body, Object.class);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return JsonValues.toInput(value, config.protocol());
    }

    private static byte[] fileBytes(Context ctx) {
        String type = ctx.contentType();
        if (type != null && type.startsWith("multipart/form-data")) {
            UploadedFile file = ctx.uploadedFile("file");
            if (file == null) {
                List<UploadedFile> all = ctx.uploadedFiles();
                if (all.isEmpty()) throw new BadRequestException("no file in the form: send it in the field 'file'");
                file = all.get(0);
            }
            try (InputStream in = file.content()) {
                return in.readAllBytes();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        byte[] body = ctx.bodyAsBytes();
        if (body.length == 0) throw new BadRequestException("empty body: send a file");
        return body;
    }

    private void submit(Context ctx, Object input) {
        long now = System.nanoTime();
        stats.received.increment();
        stats.receivedRate.add(1);
        HttpCompletion completion = new HttpCompletion(stats);
        byte[] id = Long.toString(requestIds.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
        Job job = new Job(HTTP_IDENTITY, id, NO_PAYLOAD, Map.of(), input, Math.max(0, ctx.contentLength()), completion, now,
                Deadlines.of(timeoutMillis(ctx), config.requestTimeout(), now));
        admission.admit(job);
        ctx.future(() -> completion.future().handle((output, failure) -> {
            if (failure == null) {
                Map<String, Object> body = new LinkedHashMap<>();
                body.put("result", JsonValues.toJson(output));
                body.put("latency_ms", (System.nanoTime() - now) / 1e6);
                json(ctx, 200, body);
            } else {
                Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                ErrorCode code = e instanceof WKRException w ? w.code() : ErrorCode.INTERNAL;
                error(ctx, statusOf(code), code, e.getMessage());
            }
            return null;
        }));
    }

    private static double timeoutMillis(Context ctx) {
        String v = ctx.queryParam("timeout_ms");
        if (v == null) v = ctx.header("X-Timeout-Ms");
        if (v == null) return 0;
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new BadRequestException("timeout_ms must be a number of milliseconds, got '" + v + "'");
        }
    }

    private void dashboard(Context ctx) throws IOException {
        try (InputStream in = HttpFrontend.class.getResourceAsStream(DASHBOARD + "/index.html")) {
            if (in == null) {
                ctx.status(404).result("dashboard assets are not in this build");
                return;
            }
            ctx.contentType("text/html; charset=utf-8").result(in.readAllBytes());
        }
    }

    // ------------------------------------------------------------------- auth, CORS, errors

    private void corsAndAuth(Context ctx) {
        String origin = ctx.header("Origin");
        if (origin != null && allowed(origin)) {
            ctx.header("Access-Control-Allow-Origin", config.corsOrigins().contains("*") ? "*" : origin);
            ctx.header("Vary", "Origin");
            ctx.header("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            ctx.header("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Timeout-Ms");
            ctx.header("Access-Control-Max-Age", "600");
        }
        if (config.httpToken() == null || "OPTIONS".equals(ctx.method().name())) return;
        String path = ctx.path();
        // The page shell and its static assets hold no data; everything that does needs the token.
        if (path.equals("/health") || path.equals("/") || path.startsWith(DASHBOARD + "/") || path.startsWith("/webjars/")) {
            return;
        }
        String offered = null;
        String header = ctx.header("Authorization");
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) offered = header.substring(7).strip();
        // No ?token= on data routes: query strings end up in access logs. The dashboard page reads
        // ?token= from its own URL in the browser and sends the header.
        if (offered == null || !MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8),
                config.httpToken().getBytes(StandardCharsets.UTF_8))) {
            ctx.header("WWW-Authenticate", "Bearer realm=\"wkr\"");
            throw new HttpError(401, ErrorCode.UNAUTHORIZED, "this route needs 'Authorization: Bearer <token>'");
        }
    }

    private boolean allowed(String origin) {
        return config.corsOrigins().contains("*") || config.corsOrigins().contains(origin);
    }

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

    private void error(Context ctx, int status, ErrorCode code, String message) {
        if (code == ErrorCode.OVERLOADED) ctx.header("Retry-After", "1");
        Map<String, Object> error = new LinkedHashMap<>();
        error.put("code", code.name());
        error.put("message", message);
        json(ctx, status, Map.of("error", error));
    }

    private void json(Context ctx, int status, Object body) {
        byte[] bytes;
        try {
            bytes = mapper.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            status = 500;
            bytes = ("{\"error\":{\"code\":\"WORKER_FAILED\",\"message\":\"the result is not JSON-serialisable: "
                    + e.getOriginalMessage().replace("\"", "'") + "\"}}").getBytes(StandardCharsets.UTF_8);
        }
        ctx.status(status).contentType("application/json").result(bytes);
    }

    /** An error answered before a request reaches the queue. */
    static final class HttpError extends RuntimeException {
        final int status;
        final ErrorCode code;

        HttpError(int status, ErrorCode code, String message) {
            super(message);
            this.status = status;
            this.code = code;
        }
    }
}

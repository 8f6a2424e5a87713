package io.wkr.server.internal.http;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.javalin.http.HttpResponseException;
import io.javalin.http.staticfiles.Location;
import io.wkr.protocol.AdminToken;
import io.wkr.protocol.ErrorCode;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.ReplyPool;
import io.wkr.server.internal.oip.OipModel;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.ServerJson;
import io.wkr.server.internal.StatusEncoding;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.status.ServerSnapshot;
import java.io.UncheckedIOException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.ServerConnector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP side of a server (Javalin on Jetty). Routes:
 *
 * <ul>
 *   <li>{@code GET /health}: 200 while the process is up (never needs a token);
 *   <li>{@code GET /ready}: 200 when every worker has its model and the server is not draining,
 *       503 otherwise;
 *   <li>{@code GET /status}: configuration and live statistics as JSON (the {@code SHOW_CONFIG}
 *       document without {@code client});
 *   <li>{@code GET /metrics}: Prometheus text format ({@link PrometheusMetrics}), from the same
 *       snapshot;
 *   <li>{@code POST /encode}: a JSON input in, {@code {"result": ...}} out;
 *   <li>{@code POST /encode/file}: an uploaded file (the raw body; a multipart field {@code file}
 *       with {@code -http_allow_form_bodies}) in, the same envelope out;
 *   <li>the Open Inference Protocol (KServe v2) under {@code /v2} ({@link OipRoutes});
 *   <li>{@code GET /}: the dashboard, with its assets under {@code /wkr-dashboard/};
 *   <li>the original proxy's routes: {@code GET /status/server}, {@code GET /status/client}
 *       ({@link LegacyStatus}), and the data routes {@code POST /encode_json}, {@code
 *       /encode_img_bytes}, {@code /v1/encode_img_bytes} and {@code /encode_img_url} (fetched by
 *       {@link UrlFetcher} from the hosts of {@code -http_fetch_hosts} only), which answer in its
 *       {@code {"error_code", "error_message", "data"}} envelope.
 * </ul>
 *
 * <p>Every request first passes {@link HttpEdge} (Host, Origin, 405, token), which also runs the
 * data routes itself: their bodies are read without blocking a thread ({@link EncodeRoute}), they
 * enter the same bounded queue as ZeroMQ requests, and their results are serialised by a small
 * pool of reply threads, never by a model's worker. Errors are {@code {"error": {"code": ...,
 * "message": ...}}}.
 */
public final class HttpFrontend implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(HttpFrontend.class);
    private static final String DASHBOARD = "/wkr-dashboard";
    /** System property: the connection idle timeout in ms (default 30 000). */
    static final String IDLE_TIMEOUT_PROPERTY = "wkr.http.idle_timeout_ms";

    private final ServerConfig config;
    private final PrometheusMetrics metrics = new PrometheusMetrics();
    private final ThreadPoolExecutor replies;
    private final UrlFetcher fetcher;
    private final Javalin app;

    /**
     * @param status takes the snapshot {@code /status} and {@code /metrics} are made from ({@code
     *     WKRServer.snapshot()})
     * @param ready true while the server is ready to serve
     * @param replyMemory the reply budget ({@code -max_reply_bytes}): HTTP results and their JSON
     *     hold their bytes there until written
     */
    public HttpFrontend(ServerConfig config, Admission admission, ServerStats stats,
            Supplier<ServerSnapshot> status, BooleanSupplier ready, MemoryBudget replyMemory) {
        this(config, admission, stats, status, ready, replyMemory,
                new OipModel(OipModel.name(config.modelName(), "wkr"), config.protocol(), Object.class, null), Object.class);
    }

    /**
     * @param model the model of the standard protocols (its name is the OpenAI routes' too)
     * @param inputType the worker's input type: a {@code Tensor} worker takes token ids on {@code
     *     /v1/embeddings}, any other texts
     */
    public HttpFrontend(ServerConfig config, Admission admission, ServerStats stats,
            Supplier<ServerSnapshot> status, BooleanSupplier ready, MemoryBudget replyMemory, OipModel model,
            Class<?> inputType) {
        this.config = config;
        this.replies = replyExecutor(config);
        this.fetcher = new UrlFetcher(new FetchRules(config.httpFetchHosts()), config.maxRequestBytes());
        LegacyStatus.Counts counts = new LegacyStatus.Counts();
        EncodeRoute encode = new EncodeRoute(config, admission, replies, replyMemory, fetcher);
        HttpEdge edge = new HttpEdge(config, stats, counts, encode, new OipRoutes(config, admission, status, ready, encode, model))
                .openAi(new OpenAiRoutes(config, admission, stats, replies, replyMemory,
                        model.name(),
                        io.wkr.protocol.Tensor.class.isAssignableFrom(inputType)
                                || config.protocol() == io.wkr.protocol.Protocol.NUMPY));
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.addConnector((server, httpConfig) -> {
                ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(httpConfig));
                connector.setHost("*".equals(config.bindHost()) ? null : config.bindHost());
                connector.setPort(config.httpPort());
                connector.setIdleTimeout(idleTimeoutMillis());
                return connector;
            });
            cfg.jetty.modifyServer(server -> {
                server.insertHandler(edge);
                server.setErrorHandler(new JsonErrorHandler());
            });
            cfg.staticFiles.enableWebjars();
            cfg.staticFiles.add(sf -> {
                sf.hostedPath = DASHBOARD;
                sf.directory = DASHBOARD;
                sf.location = Location.CLASSPATH;
            });
            cfg.routes.get("/health", ctx -> json(ctx, 200, Map.of("status", "alive")));
            cfg.routes.get("/workers", ctx -> json(ctx, 200, scaling().state()));
            cfg.routes.put("/workers", this::scale);
            cfg.routes.get("/ready", ctx -> readiness(ctx, admission, ready));
            cfg.routes.get("/status", ctx -> ctx.contentType("application/json")
                    .result(StatusEncoding.json(status.get(), null)));
            // the original proxy's status routes (docs/http.md, "The original's routes")
            cfg.routes.get("/status/server", ctx -> ctx.contentType("application/json")
                    .result(StatusEncoding.json(status.get(), LegacyStatus.IDENTITY)));
            cfg.routes.get("/status/client", ctx -> json(ctx, 200, LegacyStatus.client(config, counts, status.get())));
            cfg.routes.get("/metrics", ctx -> ctx.contentType(PrometheusMetrics.CONTENT_TYPE)
                    .result(metrics.render(status.get())));
            cfg.routes.get("/", this::dashboard);
            cfg.routes.exception(HttpResponseException.class, (e, ctx) -> {
                // Javalin's own answers (404 ...) in our envelope
                ErrorCode code = e.getStatus() >= 500 ? ErrorCode.INTERNAL : ErrorCode.BAD_REQUEST;
                error(ctx, e.getStatus(), code, e.getMessage());
            });
            cfg.routes.exception(HttpError.class, (e, ctx) -> {
                if (e.header != null) ctx.header(e.header[0], e.header[1]);
                error(ctx, e.status, e.code, e.getMessage());
            });
        });
    }

    /**
     * How long a connection may stay silent: a body that stops arriving is answered 408 after it,
     * an idle keep-alive connection is closed. The system property {@value #IDLE_TIMEOUT_PROPERTY}
     * (ms) overrides the default of 30 s.
     */
    static long idleTimeoutMillis() {
        return Long.getLong(IDLE_TIMEOUT_PROPERTY, 30_000);
    }

    /**
     * The reply threads: as many as cores (at least 2), and a queue as long as the number of
     * requests that can be admitted or running at once; past it results are dropped (429).
     */
    private static ThreadPoolExecutor replyExecutor(ServerConfig config) {
        return ReplyPool.create(config.maxQueueSize() + config.numWorker() * config.batchSize(), "wkr-http-reply-");
    }

    private volatile WorkerScaling scaling;
    private volatile AdminToken adminToken;

    /** Serves {@code GET /workers} and, for callers with the admin token, {@code PUT /workers}. */
    public void scaling(WorkerScaling scaling, AdminToken adminToken) {
        this.scaling = scaling;
        this.adminToken = adminToken;
    }

    private WorkerScaling scaling() {
        WorkerScaling s = scaling;
        if (s == null) throw new HttpError(404, ErrorCode.BAD_REQUEST, "this server has no worker pool to scale");
        return s;
    }

    /**
     * {@code PUT /workers?min_worker=&max_worker=} (TorchServe's management shape): needs the admin
     * token in {@code X-Admin-Token} (the one {@code wkr-serving-terminate} uses), as well as the
     * bearer token where one is set; either bound may be left out.
     */
    private void scale(Context ctx) {
        WorkerScaling s = scaling();
        if (!adminToken.matchesValue(ctx.header("X-Admin-Token"))) {
            throw new HttpError(401, ErrorCode.UNAUTHORIZED, "PUT /workers needs the admin token in 'X-Admin-Token' "
                    + "(the server's token file, as for wkr-serving-terminate)");
        }
        Map<String, Object> now = s.state();
        int min = intParam(ctx, "min_worker", (Integer) now.get("min_worker"));
        int max = intParam(ctx, "max_worker", Math.max(min, (Integer) now.get("max_worker")));
        try {
            s.bounds(min, max);
        } catch (IllegalArgumentException e) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, e.getMessage());
        }
        json(ctx, 200, s.state());
    }

    private static int intParam(Context ctx, String name, int dflt) {
        String v = ctx.queryParam(name);
        if (v == null) return dflt;
        try {
            return Integer.parseInt(v.strip());
        } catch (NumberFormatException e) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, name + " must be a whole number, got '"
                    + JsonInputs.quote(v, JsonInputs.QUOTE) + "'");
        }
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

    /** Writes the replies still queued (at most 5 s), then stops Jetty. */
    @Override
    public void close() {
        fetcher.close();
        replies.shutdown();
        try {
            if (!replies.awaitTermination(5, TimeUnit.SECONDS)) logger.warn("HTTP replies still being written at stop");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        app.stop();
    }

    // ------------------------------------------------------------------------------ routes

    private void readiness(Context ctx, Admission admission, BooleanSupplier ready) {
        boolean ok = ready.getAsBoolean() && !admission.draining();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("ready", ok);
        body.put("state", admission.draining() ? "DRAINING" : ok ? "READY" : "NOT_READY");
        json(ctx, ok ? 200 : 503, body);
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

    private void error(Context ctx, int status, ErrorCode code, String message) {
        ctx.status(status).contentType("application/json").result(Exchange.errorBody(code, message));
    }

    private void json(Context ctx, int status, Object body) {
        byte[] bytes;
        try {
            bytes = ServerJson.bytes(body);
        } catch (UncheckedIOException e) {
            status = 500;
            bytes = Exchange.errorBody(ErrorCode.INTERNAL, "the answer is not JSON-serialisable: " + e.getMessage());
        }
        ctx.status(status).contentType("application/json").result(bytes);
    }
}

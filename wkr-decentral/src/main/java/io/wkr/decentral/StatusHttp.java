package io.wkr.decentral;

import io.javalin.Javalin;
import io.javalin.http.Context;
import io.wkr.decentral.internal.JsonDocuments;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The central's HTTP side (Javalin): {@code GET /health}, {@code GET /status} (the same JSON as
 * the control command {@code STATUS}) and {@code GET /} (a page that shows that JSON as tables,
 * refreshed every 2 s; served from the jar). Read-only: it changes nothing.
 */
final class StatusHttp implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(StatusHttp.class);
    /** {@code GET /health}: {@code {"status": "alive"}}. */
    record Health(String status) {}

    private final Javalin app;
    private final String page;

    StatusHttp(String host, int port, Supplier<CentralStatus> status) {
        this.page = resource("/wkr-decentral/status.html");
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.jetty.host = "*".equals(host) ? null : host;
            cfg.jetty.port = port;
            cfg.routes.get("/health", ctx -> json(ctx, new Health("alive")));
            cfg.routes.get("/status", ctx -> json(ctx, status.get()));
            cfg.routes.get("/", ctx -> ctx.contentType("text/html; charset=utf-8").result(page));
        });
    }

    int start() {
        app.start();
        logger.info("HTTP status on port {} (page at /, JSON at /status)", app.port());
        return app.port();
    }

    int port() {
        return app.port();
    }

    private static void json(Context ctx, Object body) {
        ctx.contentType("application/json").header("Cache-Control", "no-store").result(JsonDocuments.write(body));
    }

    private static String resource(String path) {
        try (InputStream in = StatusHttp.class.getResourceAsStream(path)) {
            if (in == null) throw new IllegalStateException(path + " is missing from the jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() {
        app.stop();
    }
}

package io.wkr.server.internal.http;

import java.util.Set;

/**
 * The routes the HTTP side knows, with the methods each takes: a known route asked with another
 * method is a 405 with {@code Allow}, an unknown one a 404. Data routes are handled at the edge
 * ({@link HttpEdge}); the others by Javalin. Open routes need no token: {@code /health} for
 * probes, and the dashboard's page and static files, which hold no data.
 */
enum Route {
    ENCODE("/encode", false, true, false, "POST"),
    ENCODE_FILE("/encode/file", false, true, false, "POST"),
    HEALTH("/health", false, false, true, "GET", "HEAD"),
    READY("/ready", false, false, false, "GET", "HEAD"),
    STATUS("/status", false, false, false, "GET", "HEAD"),
    METRICS("/metrics", false, false, false, "GET", "HEAD"),
    DASHBOARD("/", false, false, true, "GET", "HEAD"),
    ASSETS("/wkr-dashboard/", true, false, true, "GET", "HEAD"),
    WEBJARS("/webjars/", true, false, true, "GET", "HEAD");

    private final String path;
    private final boolean prefix;
    private final boolean data;
    private final boolean open;
    private final Set<String> methods;
    private final String allow;

    Route(String path, boolean prefix, boolean data, boolean open, String... methods) {
        this.path = path;
        this.prefix = prefix;
        this.data = data;
        this.open = open;
        this.methods = Set.of(methods);
        this.allow = String.join(", ", methods) + ", OPTIONS";
    }

    /** The route of a path (one trailing slash ignored, as Javalin does), or null. */
    static Route of(String path) {
        if (path == null || path.isEmpty()) return null;
        for (Route r : values()) {
            if (r.prefix ? path.startsWith(r.path) : path.equals(r.path) || path.equals(r.path + "/")) return r;
        }
        return null;
    }

    /** A data route: the body is a model input. */
    boolean data() {
        return data;
    }

    /** Served without a token. */
    boolean open() {
        return open;
    }

    boolean allows(String method) {
        return methods.contains(method) || "OPTIONS".equals(method);
    }

    /** The {@code Allow} header of a 405. */
    String allow() {
        return allow;
    }
}

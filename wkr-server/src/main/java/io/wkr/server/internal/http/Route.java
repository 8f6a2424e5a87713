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
    // The original's routes (wkr-serving's HTTP proxy): same names, its answer envelope.
    STATUS_SERVER("/status/server", false, false, false, "GET", "HEAD"),
    STATUS_CLIENT("/status/client", false, false, false, "GET", "HEAD"),
    ENCODE_JSON("/encode_json", "Success."),
    ENCODE_IMG_BYTES("/encode_img_bytes", "Success."),
    V1_ENCODE_IMG_BYTES("/v1/encode_img_bytes", "Successful."),
    ENCODE_IMG_URL("/encode_img_url", "Success."),
    // The Open Inference Protocol (KServe v2), answered at the edge by OipRoutes; POSTs count as data requests.
    OIP("/v2", true, true, false, "GET", "HEAD", "POST"),
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
    private final String legacySuccess;

    /** A data route of the original's proxy: answers {@code {"error_code", "error_message", "data"}}. */
    Route(String path, String legacySuccess) {
        this(path, false, true, false, legacySuccess, new String[] {"POST"});
    }

    Route(String path, boolean prefix, boolean data, boolean open, String... methods) {
        this(path, prefix, data, open, null, methods);
    }

    Route(String path, boolean prefix, boolean data, boolean open, String legacySuccess, String[] methods) {
        this.legacySuccess = legacySuccess;
        this.path = path;
        this.prefix = prefix;
        this.data = data;
        this.open = open;
        this.methods = Set.of(methods);
        this.allow = String.join(", ", methods) + ", OPTIONS";
    }

    String path() {
        return path;
    }

    /** The route of a path (one trailing slash ignored, as Javalin does), or null. */
    static Route of(String path) {
        if (path == null || path.isEmpty()) return null;
        for (Route r : values()) {
            if (r.prefix ? underPrefix(path, r.path) : path.equals(r.path) || path.equals(r.path + "/")) return r;
        }
        return null;
    }

    /** {@code path} is {@code prefix} or under it ({@code /v2} and {@code /v2/...}, not {@code /v2x}). */
    private static boolean underPrefix(String path, String prefix) {
        return path.startsWith(prefix) && (prefix.endsWith("/") || path.length() == prefix.length()
                || path.charAt(prefix.length()) == '/');
    }

    /** A data route: the body is a model input. */
    boolean data() {
        return data;
    }

    /**
     * The {@code error_message} of a success on a route of the original's proxy, whose answers
     * are {@code {"error_code", "error_message", "data"}}; null on wkr's own routes.
     */
    String legacySuccess() {
        return legacySuccess;
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

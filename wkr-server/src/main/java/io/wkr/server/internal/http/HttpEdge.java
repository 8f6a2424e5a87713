package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.stats.ServerStats;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.List;
import java.util.Locale;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The first handler every HTTP request meets (a Jetty handler in front of Javalin), in this
 * order:
 *
 * <ol>
 *   <li>{@code Host} not in {@code -http_allowed_hosts} (when set): 421, except {@code /health}
 *       (DNS rebinding; probes send an address);
 *   <li>an {@code Origin} that is neither the server's own (its {@code Host}) nor in {@code
 *       -cors}: 403; one in {@code -cors} gets the CORS headers;
 *   <li>{@code OPTIONS} (preflight): 204;
 *   <li>a known route with a method it does not take: 405 with {@code Allow};
 *   <li>no valid bearer token where one is configured (all but the open routes): 401;
 *   <li>data routes ({@code POST /encode}, {@code POST /encode/file} and the original's encode
 *       routes, {@link Route#legacySuccess}) are handled here, without
 *       blocking a thread on the body or the model ({@link EncodeRoute}); everything else goes on
 *       to Javalin.
 * </ol>
 *
 * Every POST to a data route counts as received, whatever it is answered.
 */
final class HttpEdge extends Handler.Wrapper {
    private final ServerConfig config;
    private final ServerStats stats;
    private final EncodeRoute encode;
    private final LegacyStatus.Counts counts;
    private final OipRoutes oip;
    private OpenAiRoutes openAi;

    HttpEdge(ServerConfig config, ServerStats stats, LegacyStatus.Counts counts, EncodeRoute encode, OipRoutes oip) {
        this.oip = oip;
        this.counts = counts;
        this.config = config;
        this.stats = stats;
        this.encode = encode;
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        String path = Request.getPathInContext(request);
        Route route = Route.of(path);
        String method = request.getMethod();
        boolean data = route != null && route.data() && "POST".equals(method);
        Exchange x = new Exchange(request, response, callback, data ? stats : null, counts, config.maxRequestBytes(),
                route == null ? null : route.legacySuccess());
        try {
            if (route != Route.HEALTH) checkHost(request);
            String origin = request.getHeaders().get(HttpHeader.ORIGIN);
            if (origin != null) checkOrigin(request, response, origin);
            if ("OPTIONS".equals(method)) {
                response.setStatus(204);
                callback.succeeded();
                return true;
            }
            if (openAi != null && OpenAiRoutes.handles(path)) { // in OpenAI's error shape from here on
                openAi.handle(new Exchange(request, response, callback, null, counts, config.maxRequestBytes(), null),
                        path, () -> {
                            if (config.httpToken() != null) checkToken(request);
                        });
                return true;
            }
            if (route != null && !route.allows(method)) {
                throw new HttpError(405, ErrorCode.BAD_REQUEST, method + " is not allowed on " + path + "; use "
                        + route.allow().replace(", OPTIONS", ""), "Allow", route.allow());
            }
            if (config.httpToken() != null && (route == null || !route.open()) && !OipRoutes.open(path)) checkToken(request);
            if (route == Route.OIP) {
                oip.handle(x, path, method);
                return true;
            }
            if (data) {
                encode.handle(x, route);
                return true;
            }
        } catch (RuntimeException e) { // HttpError, WKRException; anything else is a logged 500
            x.fail(e);
            return true;
        }
        return super.handle(request, response, callback);
    }

    /** Serves {@code /v1/embeddings} and {@code /v1/models} ({@link OpenAiRoutes}). */
    HttpEdge openAi(OpenAiRoutes routes) {
        this.openAi = routes;
        return this;
    }

    // ---------------------------------------------------------------------------------- Host

    private void checkHost(Request request) {
        List<String> allowed = config.httpAllowedHosts();
        if (allowed.isEmpty()) return;
        String host = request.getHeaders().get(HttpHeader.HOST);
        if (host != null) {
            String full = host.strip().toLowerCase(Locale.ROOT);
            String name = hostName(full);
            for (String a : allowed) {
                String entry = a.toLowerCase(Locale.ROOT);
                if (entry.equals(full) || entry.equals(name)) return;
            }
        }
        throw new HttpError(421, ErrorCode.BAD_REQUEST, "this server does not answer to the host '"
                + JsonInputs.quote(host, JsonInputs.QUOTE) + "' (-http_allowed_hosts)");
    }

    /** The name part of a {@code Host} value: without the port, IPv6 literals in brackets. */
    static String hostName(String host) {
        if (host.startsWith("[")) {
            int end = host.indexOf(']');
            return end < 0 ? host : host.substring(0, end + 1);
        }
        int colon = host.lastIndexOf(':');
        return colon < 0 ? host : host.substring(0, colon);
    }

    /** The port of a {@code Host} value, or {@code dflt} when it names none. */
    static int hostPort(String host, int dflt) {
        int start = host.startsWith("[") ? host.indexOf(']') + 1 : 0;
        int colon = host.indexOf(':', Math.max(0, start));
        if (colon < 0 || colon == host.length() - 1) return dflt;
        try {
            return Integer.parseInt(host.substring(colon + 1));
        } catch (NumberFormatException e) {
            return -2;
        }
    }

    // -------------------------------------------------------------------------- Origin, CORS

    private void checkOrigin(Request request, Response response, String origin) {
        List<String> cors = config.corsOrigins();
        boolean listed = cors.contains("*") || cors.stream().anyMatch(origin::equalsIgnoreCase);
        if (listed) {
            HttpFields.Mutable h = response.getHeaders();
            h.put("Access-Control-Allow-Origin", cors.contains("*") ? "*" : origin);
            h.put(HttpHeader.VARY, "Origin");
            h.put("Access-Control-Allow-Methods", "GET, POST, OPTIONS");
            h.put("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Timeout-Ms");
            h.put("Access-Control-Max-Age", "600");
            return;
        }
        if (!sameOrigin(origin, request.getHeaders().get(HttpHeader.HOST))) {
            throw new HttpError(403, ErrorCode.UNAUTHORIZED, "requests from pages of the origin '"
                    + JsonInputs.quote(origin, 80) + "' are refused; list it with -cors to allow them");
        }
    }

    /** Whether a page of {@code origin} is served by this server, as reached through {@code host}. */
    static boolean sameOrigin(String origin, String host) {
        if (host == null) return false;
        URI uri;
        try {
            uri = new URI(origin);
        } catch (URISyntaxException e) {
            return false;
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        int dflt = scheme.equals("http") ? 80 : scheme.equals("https") ? 443 : -1;
        if (dflt < 0 || uri.getHost() == null || uri.getRawPath() != null && !uri.getRawPath().isEmpty()) return false;
        int port = uri.getPort() < 0 ? dflt : uri.getPort();
        String h = host.strip().toLowerCase(Locale.ROOT);
        return hostName(h).equals(uri.getHost().toLowerCase(Locale.ROOT)) && hostPort(h, dflt) == port;
    }

    // --------------------------------------------------------------------------------- token

    private void checkToken(Request request) {
        String offered = null;
        String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
        if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) offered = header.substring(7).strip();
        // No ?token= on data routes: query strings end up in access logs. The dashboard page reads
        // ?token= from its own URL in the browser and sends the header.
        if (offered == null || !MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8),
                config.httpToken().getBytes(StandardCharsets.UTF_8))) {
            throw new HttpError(401, ErrorCode.UNAUTHORIZED, "this route needs 'Authorization: Bearer <token>'",
                    "WWW-Authenticate", "Bearer realm=\"wkr\"");
        }
    }
}

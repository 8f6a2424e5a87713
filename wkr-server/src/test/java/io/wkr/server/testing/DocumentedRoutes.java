package io.wkr.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Calls every route a doc names on a running HTTP server, with the JDK's HTTP client, and asserts
 * that none of them is unknown there (404). What a route answers besides that (401, 405, 400 for
 * an empty input) is other tests' business: this one holds the docs to the routes that exist.
 */
public final class DocumentedRoutes {
    /** The body sent with a POST (or PUT, PATCH): a JSON value any encode route can take. */
    private static final String BODY = "\"doc\"";

    private DocumentedRoutes() {}

    /**
     * Asserts that the server at {@code base} ({@code http://host:port}) answers each of {@code
     * routes} with something other than 404; path parameters get the value {@code 1}.
     *
     * @param where the docs the routes come from, for the failure message
     */
    public static void assertNoneIsUnknown(URI base, List<Docs.Route> routes, String where) throws Exception {
        assertThat(routes).as("routes named in %s", where).isNotEmpty();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        Map<String, Integer> statuses = new LinkedHashMap<>();
        for (Docs.Route r : routes) {
            String path = Docs.withParameters(r.path(), "1");
            boolean body = r.method().equals("POST") || r.method().equals("PUT") || r.method().equals("PATCH");
            HttpRequest request = HttpRequest.newBuilder(base.resolve(path))
                    .timeout(Duration.ofSeconds(20))
                    .header("Content-Type", "application/json")
                    .method(r.method(), body ? HttpRequest.BodyPublishers.ofString(BODY) : HttpRequest.BodyPublishers.noBody())
                    .build();
            statuses.put(r.method() + " " + path, http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode());
        }
        assertThat(statuses).as("routes %s names, and what %s answered them", where, base).doesNotContainValue(404);
    }
}

package io.wkr.server.internal.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** A JDK HTTP client aimed at one server's HTTP port, with the JSON helpers the tests share. */
final class HttpCalls {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    HttpCalls(int port) {
        this.port = port;
    }

    URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    HttpResponse<String> get(String path, String... headers) throws Exception {
        return send("GET", path, null, headers);
    }

    HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return send("POST", path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    HttpResponse<String> send(String method, String path, byte[] body, String... headers) throws Exception {
        return sendAsync(method, path, body, headers).get(30, TimeUnit.SECONDS);
    }

    CompletableFuture<HttpResponse<String>> sendAsync(String method, String path, byte[] body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        if (headers.length > 0) b.headers(headers);
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(String body) throws Exception {
        return JSON.readValue(body, Map.class);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return json(r.body());
    }

    /** The wire code of an error answer. */
    @SuppressWarnings("unchecked")
    static String errorCode(String body) throws Exception {
        return (String) ((Map<String, Object>) json(body).get("error")).get("code");
    }

    static String errorCode(HttpResponse<String> r) throws Exception {
        return errorCode(r.body());
    }

    /** The request counters of /status ({@code received}, {@code succeeded}, {@code failed}, {@code errors}). */
    @SuppressWarnings("unchecked")
    Map<String, Object> requests(String... headers) throws Exception {
        return (Map<String, Object>) json(get("/status", headers)).get("requests");
    }

    /** A counter of {@link #requests}, or -1 when /status cannot be read. */
    long counter(String name, String... headers) {
        try {
            return ((Number) requests(headers).get(name)).longValue();
        } catch (Exception e) {
            return -1;
        }
    }
}

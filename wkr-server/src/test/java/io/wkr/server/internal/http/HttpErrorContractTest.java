package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.HttpCalls.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.testing.Await;
import io.wkr.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The error contract on every path: a JSON envelope with the right status for malformed bodies,
 * malformed and empty multipart files, wrong methods and Jetty's own refusals, and request
 * counters that add up (received = succeeded + failed) after a mix of good and bad requests.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpErrorContractTest extends ScriptedHttpServer {
    private static final String BOUNDARY = "wkr-test-boundary";

    private static byte[] form(String field, String filename, byte[] content) {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\""
                + (filename == null ? "" : "; filename=\"" + filename + "\"")
                + "\r\nContent-Type: application/octet-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(content);
        body.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        return body.toByteArray();
    }

    private HttpResponse<String> postForm(byte[] body) throws Exception {
        return http.send("POST", "/encode/file", body, "Content-Type", "multipart/form-data; boundary=" + BOUNDARY);
    }

    private static void assertError(HttpResponse<String> r, int status, String code) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/json");
        assertThat(errorCode(r)).isEqualTo(code);
    }

    @Test
    void malformedAndTrailingJsonIs400() throws Exception {
        start(TestServers.config(dir));
        assertError(http.post("/encode", "{\"broken\": "), 400, "BAD_REQUEST");
        assertError(http.post("/encode", "[1, 2] xyz"), 400, "BAD_REQUEST");
        HttpResponse<String> two = http.post("/encode", "\"a\" \"b\"");
        assertError(two, 400, "BAD_REQUEST");
        assertThat(two.body()).contains("trailing content");
        assertError(http.post("/encode", ""), 400, "BAD_REQUEST");
        assertError(http.post("/encode", "null"), 400, "BAD_REQUEST");
        assertThat(http.post("/encode", "\"fine\"").statusCode()).isEqualTo(200);
    }

    @Test
    void malformedOrEmptyMultipartIs400Json() throws Exception {
        start(TestServers.config(dir).httpAllowFormBodies(true));
        // no closing boundary, garbage, a form without a file, an empty file
        byte[] good = form("file", "x.bin", new byte[] {1, 2, 3});
        byte[] truncated = java.util.Arrays.copyOf(good, good.length - 10);
        assertError(postForm(truncated), 400, "BAD_REQUEST");
        assertError(postForm("this is not a form".getBytes(StandardCharsets.US_ASCII)), 400, "BAD_REQUEST");
        assertError(http.send("POST", "/encode/file", good, "Content-Type", "multipart/form-data"), 400, "BAD_REQUEST");
        HttpResponse<String> noFile = postForm(form("other", null, "text".getBytes(StandardCharsets.US_ASCII)));
        assertError(noFile, 400, "BAD_REQUEST");
        assertThat(noFile.body()).contains("no file");
        HttpResponse<String> empty = postForm(form("file", "empty.bin", new byte[0]));
        assertError(empty, 400, "BAD_REQUEST");
        assertThat(empty.body()).contains("empty");
        assertError(http.send("POST", "/encode/file", new byte[0], "Content-Type", "application/octet-stream"), 400, "BAD_REQUEST");
        HttpResponse<String> ok = postForm(good);
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(ok.body()).contains("AQID");
    }

    @Test
    void aWrongMethodOnAKnownRouteIs405WithAllow() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> get = http.get("/encode");
        assertError(get, 405, "BAD_REQUEST");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
        HttpResponse<String> post = http.post("/status", "{}");
        assertError(post, 405, "BAD_REQUEST");
        assertThat(post.headers().firstValue("Allow")).hasValue("GET, HEAD, OPTIONS");
        assertError(http.send("DELETE", "/health", null), 405, "BAD_REQUEST");
        assertError(http.send("PUT", "/encode/file", new byte[] {1}), 405, "BAD_REQUEST");
        assertThat(http.get("/nope").statusCode()).isEqualTo(404);
        assertThat(http.send("HEAD", "/health", null).statusCode()).isEqualTo(200);
    }

    @Test
    void jettysOwnRefusalsAreJsonToo() throws Exception {
        start(TestServers.config(dir));
        RawHttp.Answer r = RawHttp.exchange(server.httpPort(),
                "POST /encode HTTP/1.1\nHost: 127.0.0.1\nContent-Length: twelve", null);
        assertThat(r.status()).isEqualTo(400);
        assertThat(r.header("Content-Type")).startsWith("application/json");
        assertThat(errorCode(r.body())).isEqualTo("BAD_REQUEST");
    }

    @Test
    void countersAddUpAfterAMixOfGoodAndBadRequests() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(1000).httpToken("s3cret"));
        String auth = "Bearer s3cret";
        Map<Integer, Integer> answers = new TreeMap<>();
        int sent = 0;
        String[][] requests = {
            {"/encode", "\"ok\"", "application/json"},
            {"/encode", "{\"broken\": ", "application/json"},
            {"/encode", "[1] 2", "application/json"},
            {"/encode", "\"boom\"", "application/json"},
            {"/encode", "\"" + "x".repeat(2000) + "\"", "application/json"},
            {"/encode", "\"form\"", "text/plain"},
            {"/encode?timeout_ms=NaN", "\"t\"", "application/json"},
            {"/encode/file", "", "application/octet-stream"},
            {"/encode/file", "abc", "application/octet-stream"},
        };
        for (int round = 0; round < 3; round++) {
            for (String[] q : requests) {
                HttpResponse<String> r = http.send("POST", q[0], q[1].getBytes(StandardCharsets.UTF_8),
                        "Content-Type", q[2], "Authorization", auth);
                answers.merge(r.statusCode(), 1, Integer::sum);
                sent++;
            }
            HttpResponse<String> noToken = http.post("/encode", "\"x\"");
            answers.merge(noToken.statusCode(), 1, Integer::sum);
            sent++;
        }
        assertThat(answers).containsEntry(200, 6).containsEntry(400, 12).containsEntry(413, 3).containsEntry(415, 3)
                .containsEntry(500, 3).containsEntry(401, 3);
        assertThat(answers.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(sent);
        int expected = sent;
        Await.until(() -> http.counter("received", "Authorization", auth) == expected
                && http.counter("succeeded", "Authorization", auth) + http.counter("failed", "Authorization", auth) == expected,
                Duration.ofSeconds(10), "every request counted and answered");
        Map<String, Object> req = http.requests("Authorization", auth);
        long received = ((Number) req.get("received")).longValue();
        long succeeded = ((Number) req.get("succeeded")).longValue();
        long failed = ((Number) req.get("failed")).longValue();
        assertThat(received).isEqualTo(sent);
        assertThat(succeeded).isEqualTo(6);
        assertThat(succeeded + failed).isEqualTo(received);
        @SuppressWarnings("unchecked")
        Map<String, Object> errors = (Map<String, Object>) req.get("errors");
        assertThat(errors).containsEntry("BAD_REQUEST", 18).containsEntry("WORKER_FAILED", 3).containsEntry("UNAUTHORIZED", 3);
    }
}

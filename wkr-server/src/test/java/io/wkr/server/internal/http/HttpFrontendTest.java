package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wkr.client.WKRClient;
import io.wkr.protocol.OverloadedException;
import io.wkr.protocol.Protocol;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.MetricsChecks;
import io.wkr.server.testing.PrometheusScrape;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Every HTTP route and error status over real HTTP on an ephemeral port. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpFrontendTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();
    @TempDir Path dir;
    private WKRServer server;

    private WKRServer start(ServerConfig.Builder b) {
        server = TestServers.start(b.httpPort(0).build(), () -> new ScriptedWorker(controls));
        return server;
    }

    @AfterEach
    void stop() {
        controls.release();
        if (server != null) server.close();
    }

    private URI uri(String path) {
        return URI.create("http://127.0.0.1:" + server.httpPort() + path);
    }

    private HttpResponse<String> get(String path, String... headers) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).GET();
        if (headers.length > 0) b.headers(headers);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return postAsync(path, HttpRequest.BodyPublishers.ofString(body), headers).get(20, TimeUnit.SECONDS);
    }

    private CompletableFuture<HttpResponse<String>> postAsync(String path, HttpRequest.BodyPublisher body, String... headers) {
        HttpRequest.Builder b = HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(20)).POST(body);
        if (headers.length > 0) b.headers(headers);
        return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> json(HttpResponse<String> r) throws Exception {
        return JSON.readValue(r.body(), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static String errorCode(HttpResponse<String> r) throws Exception {
        return (String) ((Map<String, Object>) json(r).get("error")).get("code");
    }

    @Test
    void shouldAnswerHealthReadyAndStatus() throws Exception {
        start(TestServers.config(dir).numWorker(2));
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(json(get("/health"))).containsEntry("status", "alive");
        HttpResponse<String> ready = get("/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(json(ready)).containsEntry("ready", true);
        Map<String, Object> status = json(get("/status"));
        assertThat(status).containsEntry("protocol", "obj").containsEntry("server_version", "2.1.0")
                .containsEntry("http_port", server.httpPort()).containsEntry("num_worker", 2)
                .containsKeys("workers", "queue", "batches", "latency_ms", "recent_latency_ms", "requests", "statistic");
        assertThat(get("/nope").statusCode()).isEqualTo(404);
    }

    @Test
    void shouldEncodeJsonThroughTheSameQueueAsZeroMqClients() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> r = post("/encode", "{\"text\": \"hello\", \"n\": [1, 2, 3]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("result")).isEqualTo(Map.of("text", "hello", "n", List.of(1, 2, 3)));
        assertThat(controls.seen).contains(Map.of("text", "hello", "n", List.of(1, 2, 3)));
        assertThat(server.snapshot().requests().succeeded()).isEqualTo(1);
    }

    @Test
    void shouldEncodeTensorsOnANumpyServer() throws Exception {
        start(TestServers.config(dir).protocol(Protocol.NUMPY));
        HttpResponse<String> r = post("/encode", "{\"dtype\": \"int32\", \"shape\": [2, 2], \"data\": [1, 2, 3, 4]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("result")).isEqualTo(Map.of("dtype", "int32", "shape", List.of(2, 2), "data", List.of(1, 2, 3, 4)));
        HttpResponse<String> nested = post("/encode", "[[0.5, 1.5], [2.5, 3.5]]");
        assertThat(json(nested).get("result")).isEqualTo(Map.of("dtype", "float32", "shape", List.of(2, 2),
                "data", List.of(0.5, 1.5, 2.5, 3.5)));
        HttpResponse<String> ragged = post("/encode", "[[1, 2], [3]]");
        assertThat(ragged.statusCode()).isEqualTo(400);
        assertThat(json(ragged).toString()).contains("ragged");
        HttpResponse<String> text = post("/encode", "\"a string\"");
        assertThat(text.statusCode()).isEqualTo(400);
        assertThat(errorCode(text)).isEqualTo("BAD_REQUEST");
    }

    @Test
    void shouldAnswer400WithAMessageForMalformedJson() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> r = post("/encode", "{\"broken\": ");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("BAD_REQUEST");
        assertThat(json(r).toString()).contains("not valid JSON");
        assertThat(post("/encode", "null").statusCode()).isEqualTo(400);
        assertThat(post("/encode", "\"fine\"").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldBoundRequestBodies() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(1000));
        HttpResponse<String> r = post("/encode", "\"" + "x".repeat(5000) + "\"");
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(errorCode(r)).isEqualTo("BAD_REQUEST");
        assertThat(r.body()).contains("limit of 1000 bytes");
        assertThat(post("/encode", "\"small\"").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer429WithRetryAfterWhenZeroMqClientsFilledTheQueueAndTheReverse() throws Exception {
        start(TestServers.config(dir).numWorker(1).maxQueueSize(2));
        try (WKRClient zmq = new WKRClient(TestServers.client(server).build())) {
            CompletableFuture<Object> blocked = zmq.encodeAsync("block");
            controls.awaitBlocked();
            CompletableFuture<Object> q1 = zmq.encodeAsync("q1");
            CompletableFuture<Object> q2 = zmq.encodeAsync("q2");
            Await.until(() -> server.snapshot().requests().accepted() == 3,
                    Duration.ofSeconds(10), "a queue full of ZeroMQ requests");
            HttpResponse<String> r = post("/encode", "\"http\"");
            assertThat(r.statusCode()).isEqualTo(429);
            assertThat(r.headers().firstValue("Retry-After")).hasValue("1");
            assertThat(errorCode(r)).isEqualTo("OVERLOADED");
            controls.release();
            assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo("block");
            assertThat(q1.get(10, TimeUnit.SECONDS)).isEqualTo("q1");
            assertThat(q2.get(10, TimeUnit.SECONDS)).isEqualTo("q2");
        }
    }

    @Test
    void shouldRejectZeroMqClientsWhenHttpRequestsFilledTheQueue() throws Exception {
        start(TestServers.config(dir).numWorker(1).maxQueueSize(2));
        CompletableFuture<HttpResponse<String>> blocked = postAsync("/encode", HttpRequest.BodyPublishers.ofString("\"block\""));
        controls.awaitBlocked();
        CompletableFuture<HttpResponse<String>> h1 = postAsync("/encode", HttpRequest.BodyPublishers.ofString("\"h1\""));
        CompletableFuture<HttpResponse<String>> h2 = postAsync("/encode", HttpRequest.BodyPublishers.ofString("\"h2\""));
        Await.until(() -> server.snapshot().requests().accepted() == 3,
                Duration.ofSeconds(10), "a queue full of HTTP requests");
        try (WKRClient zmq = new WKRClient(TestServers.client(server).build())) {
            assertThatThrownBy(() -> zmq.encode("zmq")).isInstanceOf(OverloadedException.class);
        }
        controls.release();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(h1.get(10, TimeUnit.SECONDS).body()).contains("h1");
        assertThat(h2.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer504WhenTheDeadlinePassesInTheQueue() throws Exception {
        start(TestServers.config(dir).numWorker(1));
        CompletableFuture<HttpResponse<String>> blocked = postAsync("/encode", HttpRequest.BodyPublishers.ofString("\"block\""));
        controls.awaitBlocked();
        CompletableFuture<HttpResponse<String>> late = postAsync("/encode?timeout_ms=50", HttpRequest.BodyPublishers.ofString("\"late\""));
        Await.until(() -> server.snapshot().requests().accepted() == 2, Duration.ofSeconds(10), "the request queued");
        HttpResponse<String> r = late.get(10, TimeUnit.SECONDS); // answered while the worker is still busy
        controls.release();
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(errorCode(r)).isEqualTo("TIMEOUT");
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(controls.seen).doesNotContain("late");
    }

    @Test
    void shouldAnswer500WhenTheModelFails() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> r = post("/encode", "\"boom\"");
        assertThat(r.statusCode()).isEqualTo(500);
        assertThat(errorCode(r)).isEqualTo("WORKER_FAILED");
        assertThat(r.body()).contains("boom requested");
        assertThat(post("/encode", "\"fine\"").statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer503AndNotReadyWhileDraining() throws Exception {
        start(TestServers.config(dir).numWorker(1));
        CompletableFuture<HttpResponse<String>> inFlight = postAsync("/encode", HttpRequest.BodyPublishers.ofString("\"block\""));
        controls.awaitBlocked();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        Await.until(() -> server.state() == WKRServer.State.DRAINING, Duration.ofSeconds(10), "draining");
        HttpResponse<String> ready = get("/ready");
        assertThat(ready.statusCode()).isEqualTo(503);
        assertThat(json(ready)).containsEntry("state", "DRAINING");
        HttpResponse<String> r = post("/encode", "\"too late\"");
        assertThat(r.statusCode()).isEqualTo(503);
        assertThat(errorCode(r)).isEqualTo("SHUTTING_DOWN");
        controls.release();
        assertThat(inFlight.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        closing.get(20, TimeUnit.SECONDS);
    }

    @Test
    void shouldEncodeUploadedFilesAndReturnImagesAsBase64() throws Exception {
        start(TestServers.config(dir).httpAllowFormBodies(true)); // multipart is a form body
        byte[] png = {(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10, 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
        String boundary = "wkr-test-boundary";
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        body.writeBytes(("--" + boundary + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.png\"\r\n"
                + "Content-Type: image/png\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        body.writeBytes(png);
        body.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
        HttpResponse<String> r = postAsync("/encode/file", HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()),
                "Content-Type", "multipart/form-data; boundary=" + boundary).get(20, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) json(r).get("result");
        assertThat(result).containsEntry("content_type", "image/png");
        assertThat(Base64.getDecoder().decode((String) result.get("base64"))).isEqualTo(png);

        HttpResponse<String> raw = postAsync("/encode/file", HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2, 3}),
                "Content-Type", "application/octet-stream").get(20, TimeUnit.SECONDS);
        assertThat(raw.statusCode()).isEqualTo(200);
        assertThat(raw.body()).contains("application/octet-stream").contains("AQID");
    }

    @Test
    void shouldExposeMetricsThatParseAsPrometheusText() throws Exception {
        start(TestServers.config(dir).numWorker(2).batchSize(8));
        try (WKRClient zmq = new WKRClient(TestServers.client(server).build())) {
            for (int i = 0; i < 20; i++) zmq.encode("m" + i);
        }
        post("/encode", "\"boom\"");
        HttpResponse<String> r = get("/metrics");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("text/plain; version=0.0.4");
        PrometheusScrape m = PrometheusScrape.parse(r.body());
        MetricsChecks.documentedFamiliesOnly(m);
        MetricsChecks.histogramsConsistent(m);
        assertThat(m.value("wkr_requests_received_total")).isEqualTo(21.0);
        assertThat(m.value("wkr_requests_succeeded_total")).isEqualTo(20.0);
        assertThat(m.value("wkr_request_errors_total", "code", "WORKER_FAILED")).isEqualTo(1.0);
        assertThat(m.value("wkr_queue_depth")).isZero();
        assertThat(m.value("wkr_queue_capacity")).isEqualTo(1024.0);
        assertThat(m.value("wkr_ready")).isEqualTo(1.0);
        assertThat(m.value("wkr_inference_count_total")).isEqualTo(21.0);
        assertThat(m.value("wkr_execution_count_total")).isEqualTo(m.value("wkr_batch_size_count"));
        assertThat(m.value("wkr_batch_size_sum")).as("exact: every request sent was one batch item").isEqualTo(21.0);
        assertThat(m.value("wkr_request_duration_seconds_count")).as("the successful requests sent").isEqualTo(20.0);
        assertThat(m.value("wkr_compute_duration_seconds_count")).isEqualTo(m.value("wkr_execution_count_total"));
        assertThat(m.value("wkr_queue_duration_seconds_count")).as("every request a worker took").isEqualTo(21.0);
        assertThat(m.value("wkr_worker_busy", "worker", "0", "device", "cpu")).isZero();
        assertThat(m.value("wkr_worker_up", "worker", "1", "device", "cpu")).isEqualTo(1.0);
        // the page and /status are made from the same kind of snapshot, and nothing moved since
        Map<String, Object> status = json(get("/status"));
        @SuppressWarnings("unchecked")
        Map<String, Object> latency = (Map<String, Object>) status.get("latency_ms");
        assertThat(((Number) latency.get("mean")).doubleValue() * 20 / 1000)
                .isCloseTo(m.value("wkr_request_duration_seconds_sum"), within(1e-9));
    }

    @Test
    void shouldRequireTheBearerTokenEverywhereButHealthAndStaticAssets() throws Exception {
        start(TestServers.config(dir).httpToken("s3cret"));
        HttpResponse<String> denied = get("/status");
        assertThat(denied.statusCode()).isEqualTo(401);
        assertThat(denied.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(v -> assertThat(v).startsWith("Bearer"));
        assertThat(errorCode(denied)).isEqualTo("UNAUTHORIZED");
        assertThat(get("/status", "Authorization", "Bearer wrong").statusCode()).isEqualTo(401);
        assertThat(get("/metrics").statusCode()).isEqualTo(401);
        assertThat(post("/encode", "\"x\"").statusCode()).isEqualTo(401);
        assertThat(get("/ready").statusCode()).isEqualTo(401);
        assertThat(get("/health").statusCode()).isEqualTo(200);
        assertThat(get("/status", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
        assertThat(get("/status?token=s3cret").statusCode()).as("no tokens in query strings").isEqualTo(401);
        assertThat(get("/").statusCode()).as("the page shell holds no data").isIn(200, 404);
        assertThat(post("/encode", "\"x\"", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
        assertThat(server.config().toString()).doesNotContain("s3cret");
    }

    @Test
    void shouldAllowOnlyTheSameOriginUnlessConfigured() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> r = get("/status", "Origin", "http://elsewhere.example");
        assertThat(r.statusCode()).isEqualTo(403);
        assertThat(errorCode(r)).isEqualTo("UNAUTHORIZED");
        assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> same = get("/status", "Origin", "http://127.0.0.1:" + server.httpPort());
        assertThat(same.statusCode()).isEqualTo(200);
        assertThat(same.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        server.close();

        start(TestServers.config(dir).corsOrigins(List.of("http://dash.example")));
        HttpResponse<String> allowed = get("/status", "Origin", "http://dash.example");
        assertThat(allowed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://dash.example");
        HttpResponse<String> other = get("/status", "Origin", "http://other.example");
        assertThat(other.statusCode()).isEqualTo(403);
        assertThat(other.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        HttpResponse<String> preflight = http.send(HttpRequest.newBuilder(uri("/encode"))
                .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
                .header("Origin", "http://dash.example").header("Access-Control-Request-Method", "POST").build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(preflight.statusCode()).isEqualTo(204);
        assertThat(preflight.headers().firstValue("Access-Control-Allow-Methods").orElse("")).contains("POST");
    }
}

package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.LegacyRoutesTest.PNG;
import static io.wkr.server.internal.http.LegacyRoutesTest.assertLegacyError;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import io.wkr.server.testing.TestServers;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code POST /encode_img_url} against a real image server on loopback (the JDK's {@code
 * HttpServer} on an ephemeral port of 127.0.0.1, which counts every request it gets): a listed
 * host is fetched, plainly, chunked and through a redirect on the list; a host off the list, a
 * loopback address reached through a pattern, a redirect off the list and a non-http scheme are
 * refused without a request to the target; a body over {@code -max_request_bytes} is a 413
 * whether declared or not (and the server stops reading it); a body that does not finish in time
 * is a 504. Every POST is counted received and answered once.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UrlFetchTest extends ScriptedHttpServer {
    private static final int LIMIT = 64 * 1024;
    private static final long HUGE = 64L << 20;
    private final Map<String, AtomicInteger> hits = new ConcurrentHashMap<>();
    private final CountDownLatch release = new CountDownLatch(1);
    private final CountDownLatch slowStarted = new CountDownLatch(1);
    private final AtomicLong hugeWritten = new AtomicLong();
    private ExecutorService images;
    private HttpServer origin;
    private String base;

    @BeforeEach
    void startImageServer() throws IOException {
        origin = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        images = Executors.newFixedThreadPool(4);
        origin.setExecutor(images);
        int port = origin.getAddress().getPort();
        base = "http://127.0.0.1:" + port;
        handle("/cat.png", x -> send(x, 200, PNG));
        handle("/chunked.png", x -> {
            x.sendResponseHeaders(200, 0); // chunked
            try (OutputStream out = x.getResponseBody()) {
                for (byte b : PNG) out.write(b);
            }
        });
        handle("/here", x -> redirect(x, "/cat.png"));
        handle("/away", x -> redirect(x, "http://localhost:" + port + "/cat.png"));
        handle("/missing", x -> send(x, 404, new byte[] {'n', 'o'}));
        handle("/declared-huge", x -> {
            x.sendResponseHeaders(200, HUGE);
            x.close();
        });
        handle("/chunked-huge", x -> {
            x.sendResponseHeaders(200, 0);
            byte[] block = new byte[64 * 1024];
            try (OutputStream out = x.getResponseBody()) {
                for (long sent = 0; sent < HUGE; sent += block.length) {
                    out.write(block);
                    hugeWritten.addAndGet(block.length);
                }
            } catch (IOException e) {
                // the fetcher hung up: what it should do
            }
        });
        handle("/slow", x -> {
            x.sendResponseHeaders(200, PNG.length);
            OutputStream out = x.getResponseBody();
            out.write(PNG, 0, 4);
            out.flush();
            slowStarted.countDown();
            try {
                release.await(30, TimeUnit.SECONDS); // the rest never comes while the test runs
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            x.close();
        });
        origin.start();
    }

    @AfterEach
    void stopImageServer() {
        release.countDown();
        origin.stop(0);
        images.shutdownNow();
    }

    @Test
    void shouldFetchAListedHostPlainlyChunkedAndThroughARedirectOnTheList() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(LIMIT).httpFetchHosts(List.of("127.0.0.1")));
        for (String path : List.of("/cat.png", "/chunked.png", "/here")) {
            HttpResponse<String> r = fetch(base + path);
            assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
            assertThat(HttpCalls.json(r)).containsEntry("error_code", 0).containsEntry("error_message", "Success.")
                    .containsEntry("data", Map.of("content_type", "image/png", "base64", Base64.getEncoder().encodeToString(PNG)));
        }
        assertThat(hits("/cat.png")).isEqualTo(2);
        assertThat(hits("/chunked.png")).isEqualTo(1);
        assertThat(hits("/here")).isEqualTo(1);
        assertThat(controls.seen).hasSize(3);
        assertLegacyError(fetch(base + "/missing"), 502, "answered HTTP 404");
        assertCounted(1);
    }

    @Test
    void shouldNeverRequestAHostOffTheListNorLoopbackThroughAPattern() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(LIMIT).httpFetchHosts(List.of("images.example", "*")));
        // "*" matches any host, but only public addresses: loopback needs the host listed itself
        assertLegacyError(fetch(base + "/cat.png"), 403, "resolves to 127.0.0.1");
        assertLegacyError(fetch(base.replace("127.0.0.1", "localhost") + "/cat.png"), 403, "list the host itself");
        assertLegacyError(fetch(base.replace("127.0.0.1", "[::1]") + "/cat.png"), 403, "list the host itself");
        server.close();
        start(TestServers.config(dir).maxRequestBytes(LIMIT).httpFetchHosts(List.of("images.example", "*.example")));
        assertLegacyError(fetch(base + "/cat.png"), 403, "is not in -http_fetch_hosts");
        assertLegacyError(fetch("file:///etc/passwd"), 400, "only http and https");
        assertLegacyError(fetch("http://user@127.0.0.1:1/"), 400, "no user info");
        assertThat(hits).isEmpty();
        assertThat(controls.seen).isEmpty();
        assertCounted(3);
    }

    @Test
    void shouldRefuseARedirectToAHostOffTheListWithoutFollowingIt() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(LIMIT).httpFetchHosts(List.of("127.0.0.1")));
        assertLegacyError(fetch(base + "/away"), 403, "'localhost' is not in -http_fetch_hosts");
        assertThat(hits("/away")).isEqualTo(1);
        assertThat(hits("/cat.png")).isZero();
        assertThat(controls.seen).isEmpty();
        assertCounted(1);
    }

    @Test
    void shouldAnswer413ForABodyOverTheLimitDeclaredOrNotAndStopReadingIt() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(LIMIT).httpFetchHosts(List.of("127.0.0.1")));
        assertLegacyError(fetch(base + "/declared-huge"), 413, "larger than the server's limit of " + LIMIT);
        assertLegacyError(fetch(base + "/chunked-huge"), 413, "more than " + LIMIT + " bytes");
        assertThat(hugeWritten.get()).as("bytes the image server got rid of").isLessThan(HUGE / 4);
        assertThat(controls.seen).isEmpty();
        assertCounted(2);
    }

    @Test
    void shouldAnswer504WhenTheImageDoesNotArriveBeforeTheDeadline() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(LIMIT).httpFetchHosts(List.of("127.0.0.1")));
        long start = System.nanoTime();
        CompletableFuture<HttpResponse<String>> slow = http.sendAsync("POST", "/encode_img_url?timeout_ms=1500",
                ("{\"img_url\": \"" + base + "/slow\"}").getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        // while the fetch waits for its image, the HTTP side answers
        assertThat(slowStarted.await(10, TimeUnit.SECONDS)).isTrue();
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        assertThat(http.get("/status/client").body()).contains("\"num_pending_request\":1");
        HttpResponse<String> r = slow.get(30, TimeUnit.SECONDS);
        assertLegacyError(r, 504, "did not finish in time");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(8_000);
        assertThat(hits("/slow")).isEqualTo(1);
        assertThat(controls.seen).isEmpty();
        assertCounted(1);
    }

    @Test
    void shouldEndAFetchAtTheFetchLimitWhenTheRequestHasNoDeadline() throws Exception {
        System.setProperty(UrlFetcher.TIMEOUT_PROPERTY, "700");
        try {
            start(TestServers.config(dir).maxRequestBytes(LIMIT).httpFetchHosts(List.of("127.0.0.1")));
        } finally {
            System.clearProperty(UrlFetcher.TIMEOUT_PROPERTY);
        }
        long start = System.nanoTime();
        assertLegacyError(fetch(base + "/slow"), 504, "700 ms at most");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(8_000);
        assertCounted(1);
    }

    private HttpResponse<String> fetch(String url) throws Exception {
        return http.post("/encode_img_url", "{\"img_url\": \"" + url + "\"}", "Content-Type", "application/json");
    }

    private int hits(String path) {
        AtomicInteger n = hits.get(path);
        return n == null ? 0 : n.get();
    }

    private void assertCounted(long failed) {
        long received = http.counter("received");
        assertThat(http.counter("failed")).isEqualTo(failed);
        assertThat(http.counter("succeeded") + http.counter("failed")).isEqualTo(received);
    }

    private void handle(String path, HttpHandler h) {
        origin.createContext(path, x -> {
            if (!x.getRequestURI().getPath().equals(path)) {
                send(x, 404, new byte[0]);
                return;
            }
            hits.computeIfAbsent(path, p -> new AtomicInteger()).incrementAndGet();
            h.handle(x);
        });
    }

    private static void redirect(HttpExchange x, String location) throws IOException {
        x.getResponseHeaders().add("Location", location);
        x.sendResponseHeaders(302, -1);
        x.close();
    }

    private static void send(HttpExchange x, int status, byte[] body) throws IOException {
        x.sendResponseHeaders(status, body.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(body);
        }
    }
}

package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.HttpCalls.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.server.WKRHardWorker;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.TestServers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Refusing costs little: with the queue or the memory budget full a request is answered 429
 * before its body is read (a client that declared a body and sent none still gets its answer), a
 * request that could never fit the memory budget is a 413, and results are serialised by the
 * HTTP reply threads, never by a model's worker.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpOverloadTest extends ScriptedHttpServer {

    private CompletableFuture<HttpResponse<String>> postAsync(String body) {
        return http.sendAsync("POST", "/encode", body.getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
    }

    /** A request that declares a body of {@code length} bytes and sends none of it. */
    private RawHttp.Answer declareAndWait(int length) throws Exception {
        try (RawHttp c = new RawHttp(server.httpPort(), Duration.ofSeconds(5))) {
            return c.send("POST /encode HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: " + length,
                    null).read();
        }
    }

    @Test
    void aFullQueueIs429BeforeTheBodyIsRead() throws Exception {
        start(TestServers.config(dir).numWorker(1).maxQueueSize(1));
        CompletableFuture<HttpResponse<String>> blocked = postAsync("\"block\"");
        controls.awaitBlocked();
        CompletableFuture<HttpResponse<String>> queued = postAsync("\"queued\"");
        Await.until(() -> server.snapshot().requests().accepted() == 2, Duration.ofSeconds(10), "a full queue");

        RawHttp.Answer r = declareAndWait(1_000_000);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(errorCode(r.body())).isEqualTo("OVERLOADED");

        controls.release();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(queued.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void aFullMemoryBudgetIs429BeforeTheBodyIsReadAndATooLargeDecodeIs413() throws Exception {
        start(TestServers.config(dir).numWorker(1).maxRequestBytes(1 << 20).maxQueueBytes(3L << 20));
        CompletableFuture<HttpResponse<String>> blocked = postAsync("\"block\"");
        controls.awaitBlocked();
        // a queued string of 900 kB holds its body and its decoded string: some 2.7 MB of 3 MB
        CompletableFuture<HttpResponse<String>> big = postAsync("\"" + "x".repeat(900_000) + "\"");
        Await.until(() -> server.snapshot().requests().accepted() == 2,
                Duration.ofSeconds(10), "a queue full of bytes");

        RawHttp.Answer r = declareAndWait(900_000);
        assertThat(r.status()).isEqualTo(429);
        assertThat(r.header("Retry-After")).isEqualTo("1");
        assertThat(r.body()).contains("max_queue_bytes");

        controls.release();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(big.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        server.close();

        // 600 kB of [1,1,...] is 2.4 MB of float64: more than the whole budget, so never a 429
        start(TestServers.config(dir).protocol(Protocol.NUMPY).maxRequestBytes(1 << 20).maxQueueBytes(1 << 20));
        String ones = "{\"dtype\": \"float64\", \"data\": [" + "1,".repeat(300_000) + "1]}";
        HttpResponse<String> tooLarge = postAsync(ones).get(20, TimeUnit.SECONDS);
        assertThat(tooLarge.statusCode()).as(tooLarge.body()).isEqualTo(413);
        assertThat(tooLarge.body()).contains("memory budget");
        assertThat(postAsync("[1, 2]").get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    /** Returns, for every input, an object that says which thread serialises it. */
    public static final class ThreadProbeWorker extends WKRHardWorker<Void, Object, Object> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            List<Object> out = new ArrayList<>();
            for (Object ignored : inputs) out.add(new ThreadProbe(Thread.currentThread().getName()));
            return out;
        }
    }

    /** Jackson calls its getter while serialising. */
    public static final class ThreadProbe {
        private final String predictedBy;

        ThreadProbe(String predictedBy) {
            this.predictedBy = predictedBy;
        }

        public String getPredictedBy() {
            return predictedBy;
        }

        public String getSerialisedBy() {
            return Thread.currentThread().getName();
        }
    }

    @Test
    void resultsAreSerialisedByReplyThreadsNotWorkers() throws Exception {
        server = TestServers.start(TestServers.config(dir).httpPort(0).build(), ThreadProbeWorker::new);
        http = new HttpCalls(server.httpPort());
        HttpResponse<String> r = postAsync("\"probe\"").get(10, TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        Map<String, Object> result = (Map<String, Object>) HttpCalls.json(r).get("result");
        assertThat((String) result.get("predictedBy")).startsWith("wkr-worker-");
        assertThat((String) result.get("serialisedBy")).startsWith("wkr-http-reply-");
    }
}

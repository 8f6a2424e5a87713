package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.WKRHardWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.TestServers;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/embeddings} and {@code GET /v1/models} from the JDK's HTTP client: OpenAI's
 * shapes (both encodings), one job per list item sharing batches with other callers' items, and
 * every error in OpenAI's error shape with its status.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OpenAiEmbeddingsTest {
    static final Queue<Integer> batchSizes = new ConcurrentLinkedQueue<>();
    static final Semaphore entered = new Semaphore(0);
    static volatile CountDownLatch gate = new CountDownLatch(1);

    /** Embeds a text as {length, code of its first char, 1}; "block" waits for the gate; "odd" answers a string. */
    static final class VectorWorker extends WKRHardWorker<Void, Object, Object> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<Object> predict(Void model, List<Object> inputs) throws Exception {
            batchSizes.add(inputs.size());
            if (inputs.contains("block")) {
                entered.release();
                if (!gate.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("gate never opened");
            }
            return inputs.stream().<Object>map(i -> i.equals("odd") ? "not a vector"
                    : new float[] {((String) i).length(), ((String) i).charAt(0), 1}).toList();
        }
    }

    /** Takes token ids (an INT64 tensor) and embeds them as {sum, count} (a FLOAT32 tensor), as a DjlTensorWorker would. */
    static final class TokenWorker extends WKRHardWorker<Void, Tensor, Tensor> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public Class<?> inputType() {
            return Tensor.class;
        }

        @Override
        public List<Tensor> predict(Void model, List<Tensor> inputs) {
            batchSizes.add(inputs.size());
            return inputs.stream().map(t -> Tensor.of(new float[] {java.util.Arrays.stream(t.toLongArray()).sum(), t.size()}))
                    .toList();
        }
    }

    @TempDir Path dir;
    WKRServer server;
    HttpCalls http;

    void start(ServerConfig.Builder b) {
        batchSizes.clear();
        entered.drainPermits();
        gate = new CountDownLatch(1);
        server = TestServers.start(b.protocol(Protocol.OBJ).httpPort(0).build(), VectorWorker::new);
        http = new HttpCalls(server.httpPort());
    }

    @AfterEach
    void stop() {
        gate.countDown();
        if (server != null) server.close();
    }

    HttpResponse<String> embed(String body, String... headers) throws Exception {
        return http.post("/v1/embeddings", body, headers.length > 0 ? headers : new String[] {"Content-Type", "application/json"});
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> error(HttpResponse<String> r) throws Exception {
        Map<String, Object> body = HttpCalls.json(r);
        assertThat(body).containsOnlyKeys("error");
        Map<String, Object> e = (Map<String, Object>) body.get("error");
        assertThat(e).containsOnlyKeys("message", "type", "param", "code");
        assertThat((String) e.get("message")).isNotBlank();
        return e;
    }

    @Test
    @SuppressWarnings("unchecked")
    void aStringIsOneEmbeddingInOpenAisShape() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> r = embed("{\"input\":\"hello world\",\"model\":\"VectorWorker\"}");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValue("application/json");
        Map<String, Object> body = HttpCalls.json(r);
        assertThat(body).containsOnlyKeys("object", "data", "model", "usage");
        assertThat(body.get("object")).isEqualTo("list");
        assertThat(body.get("model")).isEqualTo("VectorWorker");
        assertThat(body.get("usage")).isEqualTo(Map.of("prompt_tokens", 2, "total_tokens", 2));
        List<Map<String, Object>> data = (List<Map<String, Object>>) body.get("data");
        assertThat(data).hasSize(1);
        assertThat(data.get(0)).containsOnlyKeys("object", "index", "embedding");
        assertThat(data.get(0).get("object")).isEqualTo("embedding");
        assertThat(data.get(0).get("index")).isEqualTo(0);
        assertThat(data.get(0).get("embedding")).isEqualTo(List.of(11.0, 104.0, 1.0));
        assertThat(server.snapshot().requests().accepted()).isEqualTo(1);
    }

    @Test
    @SuppressWarnings("unchecked")
    void aListIsOneJobPerItemAndBase64IsLittleEndianFloat32() throws Exception {
        start(TestServers.config(dir).numWorker(1).batchSize(16).modelName("my-embedder"));
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync("POST", "/v1/embeddings",
                "{\"input\":\"block\",\"model\":\"my-embedder\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<HttpResponse<String>> a = http.sendAsync("POST", "/v1/embeddings",
                "{\"input\":[\"a\",\"bb\",\"ccc\"],\"model\":\"my-embedder\",\"encoding_format\":\"base64\"}"
                        .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        CompletableFuture<HttpResponse<String>> b = http.sendAsync("POST", "/v1/embeddings",
                "{\"input\":[\"dddd\",\"eeeee\"],\"model\":\"my-embedder\",\"encoding_format\":\"float\"}"
                        .getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        Await.until(() -> server.snapshot().requests().accepted() == 6, Duration.ofSeconds(10), "1 + 5 items queued");
        gate.countDown();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        HttpResponse<String> ra = a.get(10, TimeUnit.SECONDS);
        assertThat(ra.statusCode()).isEqualTo(200);
        List<Map<String, Object>> data = (List<Map<String, Object>>) HttpCalls.json(ra).get("data");
        assertThat(data).hasSize(3);
        for (int i = 0; i < 3; i++) {
            assertThat(data.get(i).get("index")).isEqualTo(i);
            ByteBuffer bytes = ByteBuffer.wrap(Base64.getDecoder().decode((String) data.get(i).get("embedding")))
                    .order(ByteOrder.LITTLE_ENDIAN);
            assertThat(bytes.remaining()).isEqualTo(12);
            assertThat(new float[] {bytes.getFloat(), bytes.getFloat(), bytes.getFloat()})
                    .containsExactly(i + 1, "abc".charAt(i), 1);
        }
        assertThat(HttpCalls.json(ra).get("model")).isEqualTo("my-embedder");
        HttpResponse<String> rb = b.get(10, TimeUnit.SECONDS);
        assertThat(rb.statusCode()).isEqualTo(200);
        List<Map<String, Object>> dataB = (List<Map<String, Object>>) HttpCalls.json(rb).get("data");
        assertThat(dataB.get(1).get("embedding")).isEqualTo(List.of(5.0, 101.0, 1.0));
        assertThat(batchSizes).as("both callers' five items ran in one batch").contains(5);
        assertThat(server.snapshot().requests().accepted()).isEqualTo(6);
    }

    @Test
    @SuppressWarnings("unchecked")
    void modelsListsTheOneModel() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> r = http.get("/v1/models");
        assertThat(r.statusCode()).isEqualTo(200);
        Map<String, Object> body = HttpCalls.json(r);
        assertThat(body.get("object")).isEqualTo("list");
        List<Map<String, Object>> data = (List<Map<String, Object>>) body.get("data");
        assertThat(data).hasSize(1);
        assertThat(data.get(0)).containsOnlyKeys("id", "object", "created", "owned_by");
        assertThat(data.get(0).get("id")).isEqualTo("VectorWorker");
        assertThat(data.get(0).get("object")).isEqualTo("model");
        assertThat(HttpCalls.json(http.get("/v1/models/VectorWorker")).get("id")).isEqualTo("VectorWorker");
        HttpResponse<String> unknown = http.get("/v1/models/gpt-4");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(error(unknown).get("code")).isEqualTo("model_not_found");
    }

    @Test
    void badRequestsAreOpenAiErrorsNamingTheParameter() throws Exception {
        start(TestServers.config(dir).maxRequestBytes(4096));
        String[][] cases = {
            // body, status, param, code
            {"{\"input\":42,\"model\":\"VectorWorker\"}", "400", "input", null},
            {"{\"input\":[1,2,3],\"model\":\"VectorWorker\"}", "400", "input", null},
            {"{\"input\":[[1,2],[3]],\"model\":\"VectorWorker\"}", "400", "input", null},
            {"{\"input\":[],\"model\":\"VectorWorker\"}", "400", "input", null},
            {"{\"input\":\"\",\"model\":\"VectorWorker\"}", "400", "input", null},
            {"{\"input\":[\"a\",7],\"model\":\"VectorWorker\"}", "400", "input", null},
            {"{\"model\":\"VectorWorker\"}", "400", "input", null},
            {"{\"input\":\"a\"}", "400", "model", null},
            {"{\"input\":\"a\",\"model\":\"text-embedding-3-small\"}", "404", "model", "model_not_found"},
            {"{\"input\":\"a\",\"model\":\"VectorWorker\",\"encoding_format\":\"int8\"}", "400", "encoding_format", null},
            {"{\"input\":\"a\",\"model\":\"VectorWorker\",\"dimensions\":7}", "400", "dimensions", null},
            {"{\"input\":\"a\",\"model\":\"VectorWorker\",\"dimensions\":-1}", "400", "dimensions", null},
            {"{\"input\":\"a\",\"model\":\"VectorWorker\",\"temperature\":1}", "400", "temperature", null},
            {"not json", "400", null, null},
            {"[\"a\"]", "400", null, null},
            {"{\"input\":\"" + "x".repeat(5000) + "\",\"model\":\"VectorWorker\"}", "413", null, "request_too_large"},
        };
        for (String[] c : cases) {
            HttpResponse<String> r = embed(c[0]);
            assertThat(r.statusCode()).as(c[0]).isEqualTo(Integer.parseInt(c[1]));
            Map<String, Object> e = error(r);
            assertThat(e.get("param")).as(c[0]).isEqualTo(c[2]);
            assertThat(e.get("code")).as(c[0]).isEqualTo(c[3]);
            assertThat(e.get("type")).as(c[0]).isEqualTo("invalid_request_error");
        }
        // dimensions equal to the embeddings' own size is fine
        assertThat(embed("{\"input\":\"a\",\"model\":\"VectorWorker\",\"dimensions\":3}").statusCode()).isEqualTo(200);
        HttpResponse<String> form = embed("{}", "Content-Type", "text/plain");
        assertThat(form.statusCode()).isEqualTo(415);
        error(form);
        HttpResponse<String> get = http.get("/v1/embeddings");
        assertThat(get.statusCode()).isEqualTo(405);
        assertThat(get.headers().firstValue("allow")).hasValue("POST, OPTIONS");
        error(get);
        HttpResponse<String> odd = embed("{\"input\":[\"a\",\"odd\"],\"model\":\"VectorWorker\"}");
        assertThat(odd.statusCode()).as("a worker output that is no vector").isEqualTo(500);
        assertThat(error(odd).get("type")).isEqualTo("server_error");
        // every POST was counted, a list as one request per text (the GET is no data request)
        Await.until(() -> server.snapshot().requests().received() == cases.length + 4, Duration.ofSeconds(5),
                "every embeddings request counted");
    }

    @Test
    void theBearerTokenIsChecked() throws Exception {
        start(TestServers.config(dir).httpToken("s3cret"));
        HttpResponse<String> none = embed("{\"input\":\"a\",\"model\":\"VectorWorker\"}");
        assertThat(none.statusCode()).isEqualTo(401);
        assertThat(error(none).get("code")).isEqualTo("invalid_api_key");
        assertThat(error(none).get("type")).isEqualTo("authentication_error");
        HttpResponse<String> wrong = embed("{\"input\":\"a\",\"model\":\"VectorWorker\"}",
                "Content-Type", "application/json", "Authorization", "Bearer nope");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(http.get("/v1/models").statusCode()).isEqualTo(401);
        assertThat(embed("{\"input\":\"a\",\"model\":\"VectorWorker\"}",
                "Content-Type", "application/json", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
        assertThat(http.get("/v1/models", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
    }

    @Test
    void aDeadlinePassedInTheQueueIs504AndAMalformedOne400() throws Exception {
        start(TestServers.config(dir).numWorker(1));
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync("POST", "/v1/embeddings",
                "{\"input\":\"block\",\"model\":\"VectorWorker\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        HttpResponse<String> late = http.post("/v1/embeddings?timeout_ms=100", "{\"input\":[\"a\",\"b\"],\"model\":\"VectorWorker\"}",
                "Content-Type", "application/json");
        assertThat(late.statusCode()).isEqualTo(504);
        assertThat(error(late).get("code")).isEqualTo("timeout");
        HttpResponse<String> header = http.post("/v1/embeddings", "{\"input\":\"c\",\"model\":\"VectorWorker\"}",
                "Content-Type", "application/json", "X-Timeout-Ms", "100");
        assertThat(header.statusCode()).isEqualTo(504);
        HttpResponse<String> bad = http.post("/v1/embeddings?timeout_ms=soon", "{\"input\":\"c\",\"model\":\"VectorWorker\"}",
                "Content-Type", "application/json");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(error(bad).get("message").toString()).contains("timeout_ms");
        gate.countDown();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        // 1 + 2 items + 1 + 1 received; the two timed-out lists' items and the header's one are TIMEOUTs
        Await.until(() -> server.snapshot().requests().errors().get(ErrorCode.TIMEOUT) == 3, Duration.ofSeconds(10), "3 timeouts");
    }

    @Test
    void aFullQueueIs429WithRetryAfter() throws Exception {
        start(TestServers.config(dir).numWorker(1).maxQueueSize(1));
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync("POST", "/v1/embeddings",
                "{\"input\":\"block\",\"model\":\"VectorWorker\"}".getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
        // two items, one place: the first is queued, the second refused, so the whole list is a 429
        HttpResponse<String> r = embed("{\"input\":[\"a\",\"b\"],\"model\":\"VectorWorker\"}");
        assertThat(r.statusCode()).isEqualTo(429);
        assertThat(r.headers().firstValue("retry-after")).hasValue("1");
        Map<String, Object> e = error(r);
        assertThat(e.get("code")).isEqualTo("rate_limit_exceeded");
        assertThat(e.get("type")).isEqualTo("rate_limit_error");
        // a full queue refuses before the body is read as well
        HttpResponse<String> again = embed("{\"input\":\"c\",\"model\":\"VectorWorker\"}");
        assertThat(again.statusCode()).isEqualTo(429);
        gate.countDown();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(embed("{\"input\":\"d\",\"model\":\"VectorWorker\"}").statusCode()).isEqualTo(200);
    }

    @Test
    @SuppressWarnings("unchecked")
    void tokenIdsGoToAWorkerThatTakesTensorsAsOneInt64TensorEach() throws Exception {
        batchSizes.clear();
        server = TestServers.start(TestServers.config(dir).protocol(Protocol.OBJ).httpPort(0).build(), TokenWorker::new);
        http = new HttpCalls(server.httpPort());
        HttpResponse<String> lists = embed("{\"input\":[[1,2,3],[40]],\"model\":\"TokenWorker\"}");
        assertThat(lists.statusCode()).as(lists.body()).isEqualTo(200);
        Map<String, Object> body = HttpCalls.json(lists);
        List<Map<String, Object>> data = (List<Map<String, Object>>) body.get("data");
        assertThat(data.get(0).get("embedding")).isEqualTo(List.of(6.0, 3.0));
        assertThat(data.get(1).get("embedding")).isEqualTo(List.of(40.0, 1.0));
        assertThat(body.get("usage")).isEqualTo(Map.of("prompt_tokens", 4, "total_tokens", 4));
        HttpResponse<String> one = embed("{\"input\":[7,8],\"model\":\"TokenWorker\"}");
        assertThat(((List<Map<String, Object>>) HttpCalls.json(one).get("data")).get(0).get("embedding"))
                .isEqualTo(List.of(15.0, 2.0));
        for (String bad : List.of("\"some text\"", "[\"some text\"]", "[[1,-2]]", "[[]]", "[[1],\"a\"]", "[1.5]")) {
            HttpResponse<String> r = embed("{\"input\":" + bad + ",\"model\":\"TokenWorker\"}");
            assertThat(r.statusCode()).as(bad).isEqualTo(400);
            assertThat(error(r).get("param")).as(bad).isEqualTo("input");
        }
        assertThat(server.snapshot().requests().accepted()).isEqualTo(3);
    }

    @Test
    void theAnswerIsHeldInTheReplyBudgetAndGivenBack() throws Exception {
        start(TestServers.config(dir).maxReplyBytes(32 * 1024));
        String many = "[" + String.join(",", java.util.Collections.nCopies(1000, "\"twenty characters..\"")) + "]";
        HttpResponse<String> big = embed("{\"input\":" + many + ",\"model\":\"VectorWorker\"}");
        assertThat(big.statusCode()).as("1000 embeddings do not fit 32 kB of replies: " + big.body()).isEqualTo(500);
        assertThat((String) error(big).get("message")).contains("max_reply_bytes");
        HttpResponse<String> small = embed("{\"input\":[\"a\",\"b\"],\"model\":\"VectorWorker\",\"encoding_format\":\"base64\"}");
        assertThat(small.statusCode()).isEqualTo(200);
        Await.until(() -> server.snapshot().replies().waitingBytes() == 0, Duration.ofSeconds(5),
                "every reply byte given back");
        assertThat(server.snapshot().requests().received()).isEqualTo(1000 + 2);
    }
}

package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.HttpCalls.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.protocol.internal.Half;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.TestServers;
import io.wkr.server.testing.TwoTensorWorker;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The Open Inference Protocol routes on a real server with HTTP on an ephemeral port, driven with
 * the JDK client: metadata, health, JSON and binary inference, and every error path in the
 * protocol's {@code {"error": "..."}} shape.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OipRoutesTest extends ScriptedHttpServer {
    private static final String INFER = "/v2/models/iris/infer";

    private HttpResponse<String> infer(String body, String... headers) throws Exception {
        return http.post(INFER, body, headers.length == 0 ? new String[] {"Content-Type", "application/json"} : headers);
    }

    private static String tensor(String datatype, String shape, String data) {
        return "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"" + datatype + "\",\"shape\":" + shape + ",\"data\":" + data + "}]}";
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> output(HttpResponse<String> r) throws Exception {
        return ((List<Map<String, Object>>) json(r).get("outputs")).get(0);
    }

    @Test
    void serverAndModelMetadataNameTheOneModel() throws Exception {
        start(TestServers.config(dir).modelName("iris"));
        Map<String, Object> server = json(http.get("/v2"));
        assertThat(server.get("name")).isEqualTo("wkr");
        assertThat(server.get("models")).isEqualTo(List.of("iris"));
        assertThat(server.get("extensions").toString()).contains("binary_tensor_data", "model_configuration", "statistics");
        assertThat(json(http.get("/v2/health/live"))).isEqualTo(Map.of("live", true));
        assertThat(http.get("/v2/health/ready").statusCode()).isEqualTo(200);
        assertThat(json(http.get("/v2/models/iris/ready"))).isEqualTo(Map.of("name", "iris", "ready", true));
        assertThat(http.get("/v2/models/iris/versions/1/ready").statusCode()).isEqualTo(200);
        Map<String, Object> model = json(http.get("/v2/models/iris"));
        assertThat(model.get("inputs")).isEqualTo(List.of(Map.of("name", "INPUT0", "datatype", "BYTES", "shape", List.of(-1))));
        Map<String, Object> config = json(http.get("/v2/models/iris/config"));
        assertThat(config.get("max_batch_size")).isEqualTo(0);
        assertThat(config.get("model_transaction_policy")).isEqualTo(Map.of("decoupled", false));
    }

    @Test
    void theModelIsNamedAfterTheWorkerClassWithoutModelName() throws Exception {
        start(TestServers.config(dir).protocol(Protocol.NUMPY));
        assertThat(json(http.get("/v2/models/ScriptedWorker")).get("outputs"))
                .isEqualTo(List.of(Map.of("name", "OUTPUT0", "datatype", "FP32", "shape", List.of(-1))));
    }

    @Test
    void unknownModelIs404WithTheProtocolsErrorShape() throws Exception {
        start(TestServers.config(dir).modelName("iris"));
        for (HttpResponse<String> r : List.of(http.get("/v2/models/nope"), http.post("/v2/models/nope/infer", "{}"),
                http.get("/v2/models/iris/nothing"))) {
            assertThat(r.statusCode()).isEqualTo(404);
            assertThat(json(r).get("error")).isInstanceOf(String.class);
        }
        assertThat(json(http.get("/v2/models/nope")).get("error").toString()).contains("'nope'", "'iris'");
        assertThat(http.get(INFER).statusCode()).isEqualTo(405);
        HttpResponse<String> outside = http.get("/v2x"); // not under /v2: wkr's own 404
        assertThat(outside.statusCode()).isEqualTo(404);
        assertThat(HttpCalls.errorCode(outside)).isEqualTo("BAD_REQUEST");
    }

    @Test
    void numpyServerTakesEveryNumericDatatypeAsATensorAndAnswersItBack() throws Exception {
        start(TestServers.config(dir).protocol(Protocol.NUMPY).modelName("iris"));
        Map<String, String> data = Map.ofEntries(Map.entry("FP32", "[[1.5, 2], [3, 4]]"), Map.entry("FP64", "[1.5, 2, 3, 4]"),
                Map.entry("FP16", "[1.5, 2, 3, 4]"), Map.entry("INT8", "[-1, 2, 3, 4]"), Map.entry("INT16", "[-1, 2, 3, 4]"),
                Map.entry("INT32", "[-1, 2, 3, 4]"), Map.entry("INT64", "[-1, 2, 3, 4]"), Map.entry("UINT8", "[255, 2, 3, 4]"),
                Map.entry("UINT16", "[1, 2, 3, 4]"), Map.entry("UINT32", "[1, 2, 3, 4]"),
                Map.entry("UINT64", "[18446744073709551615, 2, 3, 4]"), Map.entry("BOOL", "[true, false, true, true]"));
        for (var e : data.entrySet()) {
            HttpResponse<String> r = infer(tensor(e.getKey(), "[2, 2]", e.getValue()));
            assertThat(r.statusCode()).as(e.getKey() + ": " + r.body()).isEqualTo(200);
            Map<String, Object> out = output(r);
            assertThat(out.get("name")).isEqualTo("OUTPUT0");
            assertThat(out.get("datatype")).isEqualTo(e.getKey());
            assertThat(out.get("shape")).isEqualTo(List.of(2, 2));
            assertThat(((List<?>) out.get("data"))).hasSize(4);
        }
        assertThat(output(infer(tensor("INT64", "[2]", "[-7, 9007199254740993]"))).get("data"))
                .isEqualTo(List.of(-7, 9007199254740993L));
        assertThat(output(infer(tensor("FP16", "[4]", "[1.5, -2, 0.1, 65504]"))).get("data"))
                .isEqualTo(List.of(1.5, -2.0, 0.099975586, 65504.0)); // the half nearest 0.1, 0.0999755859375, printed as a float
        assertThat(Half.fromFloat(0.1f)).isEqualTo((short) 0x2e66);
        assertThat(Half.fromFloat(1e-7f)).isEqualTo((short) 0x0002); // a subnormal half
    }

    @Test
    void objServerTakesBytesAndEchoesTheTensorWithTheRequestsId() throws Exception {
        start(TestServers.config(dir).modelName("iris"));
        HttpResponse<String> r = infer("{\"id\":\"42\",\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"BYTES\",\"shape\":[2],"
                + "\"data\":[\"hello\",\"wörld\"]}]}");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(json(r).get("id")).isEqualTo("42");
        assertThat(json(r).get("model_name")).isEqualTo("iris");
        assertThat(output(r)).isEqualTo(Map.of("name", "OUTPUT0", "datatype", "BYTES", "shape", List.of(2),
                "data", List.of("hello", "wörld")));
        assertThat(output(infer(tensor("FP32", "[1]", "[0.5]"))).get("data")).isEqualTo(List.of(0.5));
        assertThat(http.post("/v2/models/nope/infer", "{}").statusCode()).isEqualTo(404);
        assertThat(http.post("/v2/models/iris/ready", "{}").statusCode()).isEqualTo(405);
        // every POST counted once: received, and answered as succeeded or failed
        var requests = server.snapshot().requests();
        assertThat(requests.received()).isEqualTo(4);
        assertThat(requests.succeeded()).isEqualTo(2);
        assertThat(requests.failed()).isEqualTo(2);
    }

    @Test
    void badDatatypeShapeMismatchAndOutOfRangeAre400NamingTheField() throws Exception {
        start(TestServers.config(dir).protocol(Protocol.NUMPY).modelName("iris"));
        Map<String, String> bad = Map.of(
                tensor("FP33", "[1]", "[1]"), "inputs[0].datatype",
                tensor("FP32", "[3]", "[1, 2]"), "inputs[0].data has 2 elements",
                tensor("FP32", "[-1]", "[1]"), "inputs[0].shape[0]",
                tensor("UINT8", "[1]", "[256]"), "inputs[0].data[0] 256 is out of range",
                tensor("INT32", "[1]", "[1.5]"), "inputs[0].data[0] must be an integer",
                tensor("BYTES", "[1]", "[\"a\"]"), "needs an obj server",
                "{\"inputs\":[]}", "'inputs'",
                "not json", "not valid JSON");
        for (var e : bad.entrySet()) {
            HttpResponse<String> r = infer(e.getKey());
            assertThat(r.statusCode()).as(e.getKey()).isEqualTo(400);
            assertThat(json(r).get("error").toString()).as(e.getKey()).contains(e.getValue());
        }
        assertThat(server.snapshot().requests().received()).isEqualTo(bad.size());
        assertThat(server.snapshot().requests().failed()).isEqualTo(bad.size());
    }

    @Test
    void binaryTensorsGoInAndComeOut() throws Exception {
        start(TestServers.config(dir).protocol(Protocol.NUMPY).modelName("iris"));
        String header = "{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"FP32\",\"shape\":[3],"
                + "\"parameters\":{\"binary_data_size\":12}}],\"outputs\":[{\"name\":\"OUTPUT0\",\"parameters\":{\"binary_data\":true}}]}";
        byte[] head = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(head.length + 12).order(ByteOrder.LITTLE_ENDIAN);
        body.put(head).putFloat(1f).putFloat(-2f).putFloat(3.5f);
        HttpRequest request = HttpRequest.newBuilder(http.uri(INFER))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(head.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build();
        HttpResponse<byte[]> r = java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        int n = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        Map<String, Object> answer = json(new String(r.body(), 0, n, StandardCharsets.UTF_8));
        assertThat(answer.toString()).contains("binary_data_size=12", "FP32");
        ByteBuffer out = ByteBuffer.wrap(r.body(), n, r.body().length - n).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(List.of(out.getFloat(), out.getFloat(), out.getFloat())).containsExactly(1f, -2f, 3.5f);

        ByteBuffer wrong = ByteBuffer.allocate(head.length + 8).put(head);
        HttpResponse<String> bad = http.send("POST", INFER, wrong.array(), "Content-Type", "application/octet-stream",
                "Inference-Header-Content-Length", Integer.toString(head.length));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad).get("error").toString()).contains("inputs[0].parameters.binary_data_size");

        byte[] short8 = header.replace("\"binary_data_size\":12", "\"binary_data_size\":8").getBytes(StandardCharsets.UTF_8);
        HttpResponse<String> mismatch = http.send("POST", INFER, ByteBuffer.allocate(short8.length + 8).put(short8).array(),
                "Content-Type", "application/octet-stream", "Inference-Header-Content-Length", Integer.toString(short8.length));
        assertThat(mismatch.statusCode()).isEqualTo(400);
        assertThat(json(mismatch).get("error").toString()).contains("inputs[0] binary data is 8 bytes", "[3] takes 12");
    }

    @Test
    void binaryBytesElementsAreLengthPrefixed() throws Exception {
        start(TestServers.config(dir).modelName("iris"));
        byte[] head = ("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"BYTES\",\"shape\":[2],"
                + "\"parameters\":{\"binary_data_size\":11}}],\"parameters\":{\"binary_data_output\":true}}")
                .getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(head.length + 11).order(ByteOrder.LITTLE_ENDIAN);
        body.put(head).putInt(2).put("ab".getBytes(StandardCharsets.UTF_8)).putInt(1).put((byte) 'c');
        HttpResponse<String> r = http.send("POST", INFER, body.array(), "Content-Type", "application/octet-stream",
                "Inference-Header-Content-Length", Integer.toString(head.length));
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.headers().firstValue("Content-Type").orElse("")).startsWith("application/octet-stream");
        assertThat(r.body()).contains("\"binary_data_size\":11").endsWith("ab\u0001\u0000\u0000\u0000c");
    }

    @Test
    void oversizedBodyIs413() throws Exception {
        start(TestServers.config(dir).modelName("iris").maxRequestBytes(1000));
        HttpResponse<String> r = infer(tensor("FP32", "[1]", "[" + "1,".repeat(600) + "1]"));
        assertThat(r.statusCode()).isEqualTo(413);
        assertThat(json(r).get("error")).isInstanceOf(String.class);
    }

    @Test
    void missingTokenIs401ButLivenessNeedsNone() throws Exception {
        start(TestServers.config(dir).modelName("iris").httpToken("s3cret"));
        assertThat(infer(tensor("FP32", "[1]", "[1]")).statusCode()).isEqualTo(401);
        assertThat(http.get("/v2/models/iris").statusCode()).isEqualTo(401);
        assertThat(http.get("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(http.get("/v2/models/iris", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
    }

    @Test
    void fullQueueIs429AndAnExpiredDeadline504() throws Exception {
        start(TestServers.config(dir).modelName("iris").numWorker(1).maxQueueSize(1));
        CompletableFuture<HttpResponse<String>> blocked = http.sendAsync("POST", "/encode",
                "\"block\"".getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        controls.awaitBlocked();
        CompletableFuture<HttpResponse<String>> late = http.sendAsync("POST", INFER + "?timeout_ms=50",
                tensor("FP32", "[1]", "[1]").getBytes(StandardCharsets.UTF_8), "Content-Type", "application/json");
        Await.until(() -> server.snapshot().requests().accepted() == 2, Duration.ofSeconds(10), "a full queue");
        HttpResponse<String> full = infer(tensor("FP32", "[1]", "[1]"));
        assertThat(full.statusCode()).isEqualTo(429);
        assertThat(full.headers().firstValue("Retry-After")).contains("1");
        assertThat(json(full).get("error")).isInstanceOf(String.class);
        HttpResponse<String> timedOut = late.get(10, TimeUnit.SECONDS);
        assertThat(timedOut.statusCode()).isEqualTo(504);
        assertThat(json(timedOut).get("error")).isInstanceOf(String.class);
        controls.release();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }

    @Test
    void statsCountQueueAndComputeTime() throws Exception {
        start(TestServers.config(dir).modelName("iris"));
        assertThat(infer(tensor("FP32", "[1]", "[1]")).statusCode()).isEqualTo(200);
        assertThat(json(http.get("/v2/models/stats")).toString()).contains("name=iris", "inference_count=1");
        Map<String, Object> stats = json(http.get("/v2/models/iris/stats"));
        assertThat(stats.toString()).contains("name=iris", "inference_count=1", "execution_count=1", "queue={count=1",
                "compute_infer={count=1").doesNotContain("queue={count=1, ns=0}", "compute_infer={count=1, ns=0}");
    }

    @Test
    @SuppressWarnings("unchecked")
    void aDeclaredSignatureWithTwoInputsAndOutputsOverJsonAndBinary() throws Exception {
        server = TestServers.start(TestServers.config(dir).modelName("two").httpPort(0).build(), TwoTensorWorker::new);
        http = new HttpCalls(server.httpPort());
        Map<String, Object> meta = json(http.get("/v2/models/two"));
        assertThat(meta.get("inputs")).isEqualTo(List.of(Map.of("name", "TEXT", "datatype", "BYTES", "shape", List.of(1)),
                Map.of("name", "SCALE", "datatype", "FP32", "shape", List.of(-1, 2))));
        assertThat(json(http.get("/v2/models/two/config")).get("output").toString()).contains("LENGTH", "TYPE_INT64", "SCALED");
        // SCALE as binary data after the header, TEXT as JSON; SCALED asked back as binary, LENGTH as JSON
        String header = "{\"inputs\":[{\"name\":\"SCALE\",\"datatype\":\"FP32\",\"shape\":[1,2],"
                + "\"parameters\":{\"binary_data_size\":8}},{\"name\":\"TEXT\",\"datatype\":\"BYTES\",\"shape\":[1],"
                + "\"data\":[\"hello\"]}],\"outputs\":[{\"name\":\"SCALED\",\"parameters\":{\"binary_data\":true}},"
                + "{\"name\":\"LENGTH\"}]}";
        byte[] head = header.getBytes(StandardCharsets.UTF_8);
        ByteBuffer body = ByteBuffer.allocate(head.length + 8).order(ByteOrder.LITTLE_ENDIAN);
        body.put(head).putFloat(1.5f).putFloat(-2f);
        HttpRequest request = HttpRequest.newBuilder(http.uri("/v2/models/two/infer"))
                .header("Content-Type", "application/octet-stream")
                .header("Inference-Header-Content-Length", Integer.toString(head.length))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body.array())).build();
        HttpResponse<byte[]> r = java.net.http.HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        int n = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElseThrow());
        List<Map<String, Object>> outputs = (List<Map<String, Object>>) json(new String(r.body(), 0, n, StandardCharsets.UTF_8))
                .get("outputs");
        assertThat(outputs).extracting(o -> o.get("name")).containsExactly("LENGTH", "SCALED");
        assertThat(outputs.get(0).get("data")).isEqualTo(List.of(5));
        assertThat(outputs.get(1).get("parameters")).isEqualTo(Map.of("binary_data_size", 8));
        ByteBuffer out = ByteBuffer.wrap(r.body(), n, r.body().length - n).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(List.of(out.getFloat(), out.getFloat())).containsExactly(3f, -4f);
        assertThat(out.hasRemaining()).isFalse();
        // the signature is enforced: datatype, shape, a missing input, an unknown output, bytes left over
        Map<String, String> bad = Map.of(
                "{\"inputs\":[{\"name\":\"TEXT\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]},"
                        + "{\"name\":\"SCALE\",\"datatype\":\"FP64\",\"shape\":[1,2],\"data\":[1,2]}]}", "inputs[1].datatype must be FP32",
                "{\"inputs\":[{\"name\":\"TEXT\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]},"
                        + "{\"name\":\"SCALE\",\"datatype\":\"FP32\",\"shape\":[2],\"data\":[1,2]}]}", "inputs[1].shape [2] does not fit",
                "{\"inputs\":[{\"name\":\"TEXT\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]}]}", "must hold 2 tensors",
                "{\"inputs\":[{\"name\":\"TEXT\",\"datatype\":\"BYTES\",\"shape\":[1],\"data\":[\"a\"]}],"
                        + "\"outputs\":[{\"name\":\"OUTPUT0\"}]}", "outputs[0].name 'OUTPUT0' is not an output");
        for (var e : bad.entrySet()) {
            HttpResponse<String> b = http.post("/v2/models/two/infer", e.getKey(), "Content-Type", "application/json");
            assertThat(b.statusCode()).as(e.getKey()).isEqualTo(400);
            assertThat(json(b).get("error").toString()).as(e.getKey()).contains(e.getValue());
        }
        byte[] extra = ByteBuffer.allocate(head.length + 12).put(head).array();
        HttpResponse<String> leftOver = http.send("POST", "/v2/models/two/infer", extra, "Content-Type", "application/octet-stream",
                "Inference-Header-Content-Length", Integer.toString(head.length));
        assertThat(leftOver.statusCode()).isEqualTo(400);
        assertThat(json(leftOver).get("error").toString()).contains("4 bytes follow");
    }
}

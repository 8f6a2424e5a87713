package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.errors.BadRequestException;
import com.openai.errors.NotFoundException;
import com.openai.errors.OpenAIServiceException;
import com.openai.errors.UnauthorizedException;
import com.openai.models.embeddings.CreateEmbeddingResponse;
import com.openai.models.embeddings.EmbeddingCreateParams;
import io.wkr.protocol.Protocol;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The offline text embedder, and {@code /v1/embeddings} serving it to the official OpenAI Java
 * SDK ({@code com.openai:openai-java}) in both encodings, its errors included.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class TextEmbeddingTest {
    private static final String TOKEN = "sk-test-token";
    @TempDir Path dir;

    static double cosine(float[] a, float[] b) {
        double dot = 0;
        for (int i = 0; i < a.length; i++) dot += (double) a[i] * b[i];
        return dot; // both have unit length
    }

    static double norm(float[] a) {
        return Math.sqrt(cosine(a, a));
    }

    @Test
    void similarTextsGetSimilarUnitVectors() {
        float[] cat = TextEmbeddingWorker.embed("The cat sat on the mat.");
        float[] cats = TextEmbeddingWorker.embed("A cat was sitting on the mat");
        float[] stocks = TextEmbeddingWorker.embed("Quarterly earnings beat analyst expectations");
        assertThat(cat).hasSize(TextEmbeddingWorker.DIMENSIONS);
        assertThat(norm(cat)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(norm(stocks)).isCloseTo(1.0, org.assertj.core.data.Offset.offset(1e-5));
        assertThat(cosine(cat, cats)).as("similar texts").isGreaterThan(0.5);
        assertThat(cosine(cat, stocks)).as("unrelated texts").isLessThan(0.25);
        assertThat(cosine(cat, cats)).isGreaterThan(cosine(cat, stocks) + 0.3);
        assertThat(TextEmbeddingWorker.embed("The cat sat on the mat.")).as("deterministic").containsExactly(cat);
        assertThat(TextEmbeddingWorker.embed("CAFÉ")).as("case and accents").containsExactly(TextEmbeddingWorker.embed("cafe"));
        assertThat(norm(TextEmbeddingWorker.embed("..."))).as("no words: the zero vector").isZero();
    }

    @Test
    void theOfficialJavaSdkEmbedsInBothEncodings() throws Exception {
        try (WKRServer server = TestServers.start(TestServers.config(dir).protocol(Protocol.OBJ).numWorker(1)
                .httpPort(0).httpToken(TOKEN).build(), TextEmbeddingWorker::new)) {
            OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.httpPort() + "/v1")
                    .apiKey(TOKEN).maxRetries(0).build();
            try {
                List<String> texts = List.of("The cat sat on the mat.", "A cat was sitting on the mat",
                        "Quarterly earnings beat analyst expectations");
                for (EmbeddingCreateParams.EncodingFormat format : List.of(EmbeddingCreateParams.EncodingFormat.FLOAT,
                        EmbeddingCreateParams.EncodingFormat.BASE64)) {
                    CreateEmbeddingResponse r = client.embeddings().create(EmbeddingCreateParams.builder()
                            .inputOfArrayOfStrings(texts).model("TextEmbeddingWorker").encodingFormat(format).build());
                    assertThat(r.model()).isEqualTo("TextEmbeddingWorker");
                    assertThat(r.data()).hasSize(3);
                    assertThat(r.usage().promptTokens()).isEqualTo(6 + 7 + 5); // words
                    for (int i = 0; i < 3; i++) {
                        assertThat(r.data().get(i).index()).isEqualTo(i);
                        List<Float> got = r.data().get(i).embedding();
                        float[] want = TextEmbeddingWorker.embed(texts.get(i));
                        assertThat(got).as(format + " item " + i).hasSize(want.length);
                        for (int k = 0; k < want.length; k++) assertThat(got.get(k)).isEqualTo(want[k]);
                    }
                }
                // the SDK's default (no encoding_format: it asks for base64 and decodes it)
                CreateEmbeddingResponse one = client.embeddings().create(EmbeddingCreateParams.builder()
                        .input("hello world").model("TextEmbeddingWorker").build());
                assertThat(one.data().get(0).embedding()).hasSize(TextEmbeddingWorker.DIMENSIONS);
                assertThat(client.models().list().data()).extracting(m -> m.id()).containsExactly("TextEmbeddingWorker");

                assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder()
                        .input("a").model("text-embedding-3-small").build()))
                        .isInstanceOfSatisfying(NotFoundException.class,
                                e -> assertThat(e.code()).hasValue("model_not_found"));
                assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder()
                        .inputOfArrayOfTokens(List.of(1L, 2L)).model("TextEmbeddingWorker").build()))
                        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.param()).hasValue("input"));
                assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder()
                        .input("a").model("TextEmbeddingWorker").dimensions(64).build()))
                        .isInstanceOfSatisfying(BadRequestException.class,
                                e -> assertThat(e.param()).hasValue("dimensions"));
            } finally {
                client.close();
            }
            OpenAIClient wrong = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.httpPort() + "/v1")
                    .apiKey("sk-wrong").maxRetries(0).build();
            try {
                assertThatThrownBy(() -> wrong.embeddings().create(EmbeddingCreateParams.builder()
                        .input("a").model("TextEmbeddingWorker").build()))
                        .isInstanceOf(UnauthorizedException.class)
                        .satisfies(e -> assertThat(((OpenAIServiceException) e).statusCode()).isEqualTo(401));
            } finally {
                wrong.close();
            }
            // a text is a request: 3 + 3 + 1 + 1 (dimensions is checked on the result) queued, and 3 refused
            assertThat(server.snapshot().requests().accepted()).isEqualTo(8);
            assertThat(server.snapshot().requests().received()).isEqualTo(11);
        }
    }

    /** The example embedder, except that a batch holding "block" waits for {@link #gate}. */
    static final class BlockingEmbedder extends io.wkr.server.WKRHardWorker<Void, String, float[]> {
        static final java.util.concurrent.Semaphore entered = new java.util.concurrent.Semaphore(0);
        static final java.util.concurrent.CountDownLatch gate = new java.util.concurrent.CountDownLatch(1);

        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<float[]> predict(Void model, List<String> inputs) throws Exception {
            if (inputs.contains("block")) {
                entered.release();
                if (!gate.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("gate never opened");
            }
            return inputs.stream().map(TextEmbeddingWorker::embed).toList();
        }
    }

    @Test
    void theJavaSdkSeesA429WithRetryAfterWhenTheQueueIsFull() throws Exception {
        try (WKRServer server = TestServers.start(TestServers.config(dir).protocol(Protocol.OBJ).numWorker(1)
                .maxQueueSize(1).httpPort(0).build(), BlockingEmbedder::new)) {
            java.net.http.HttpClient jdk = java.net.http.HttpClient.newHttpClient();
            var blocked = jdk.sendAsync(java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:"
                    + server.httpPort() + "/v1/embeddings")).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
                            "{\"input\":\"block\",\"model\":\"BlockingEmbedder\"}")).build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString());
            try {
                assertThat(BlockingEmbedder.entered.tryAcquire(10, TimeUnit.SECONDS)).isTrue();
                OpenAIClient client = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + server.httpPort() + "/v1")
                        .apiKey("unused").maxRetries(0).build();
                try {
                    // two texts, one free place in the queue: the list is refused as a whole
                    assertThatThrownBy(() -> client.embeddings().create(EmbeddingCreateParams.builder()
                            .inputOfArrayOfStrings(List.of("a", "b")).model("BlockingEmbedder").build()))
                            .isInstanceOfSatisfying(com.openai.errors.RateLimitException.class, e -> {
                                assertThat(e.statusCode()).isEqualTo(429);
                                assertThat(e.headers().values("retry-after")).containsExactly("1");
                                assertThat(e.code()).hasValue("rate_limit_exceeded");
                            });
                } finally {
                    client.close();
                }
            } finally {
                BlockingEmbedder.gate.countDown();
            }
            assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
    }

    /** The {@code openai} npm package's version the test installs (Node 20 runs it). */
    static final String OPENAI_NODE = "7.59.0";

    /**
     * The official {@code openai} npm package, installed into {@code target/npm} when missing
     * (npm must be on the PATH: scripts/test installs it), runs {@code embed.mjs} against a server.
     */
    @Test
    void theOfficialNodeSdkEmbedsInBothEncodings() throws Exception {
        Path npm = Path.of("target", "npm").toAbsolutePath();
        Files.createDirectories(npm);
        if (!Files.exists(npm.resolve("node_modules/openai/package.json"))
                || !Files.readString(npm.resolve("node_modules/openai/package.json")).contains("\"" + OPENAI_NODE + "\"")) {
            Process install = new ProcessBuilder("npm", "install", "--prefix", npm.toString(), "--no-audit", "--no-fund",
                    "openai@" + OPENAI_NODE).redirectErrorStream(true).start();
            String log = new String(install.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(install.waitFor()).as("npm install openai@" + OPENAI_NODE + ": " + log).isZero();
        }
        try (InputStream in = TextEmbeddingTest.class.getResourceAsStream("/openai-node/embed.mjs")) {
            Files.copy(in, npm.resolve("embed.mjs"), StandardCopyOption.REPLACE_EXISTING);
        }
        try (WKRServer server = TestServers.start(TestServers.config(dir).protocol(Protocol.OBJ).numWorker(1)
                .httpPort(0).httpToken(TOKEN).build(), TextEmbeddingWorker::new)) {
            ProcessBuilder pb = new ProcessBuilder("node", npm.resolve("embed.mjs").toString()).redirectErrorStream(true);
            pb.environment().put("WKR_BASE_URL", "http://127.0.0.1:" + server.httpPort() + "/v1");
            pb.environment().put("WKR_TOKEN", TOKEN);
            Process node = pb.start();
            String output = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(node.waitFor()).as(output).isZero();
            ObjectMapper json = new ObjectMapper();
            List<JsonNode> lines = new ArrayList<>();
            for (String line : output.split("\n")) {
                if (line.startsWith("{")) lines.add(json.readTree(line));
            }
            assertThat(lines).as(output).hasSize(8);
            List<String> texts = List.of("The cat sat on the mat.", "A cat was sitting on the mat",
                    "Quarterly earnings beat analyst expectations");
            for (int c = 0; c < 3; c++) {
                JsonNode r = lines.get(c);
                assertThat(r.get("format").asText()).isEqualTo(List.of("float", "base64", "default").get(c));
                assertThat(r.get("model").asText()).isEqualTo("TextEmbeddingWorker");
                assertThat(r.get("object").asText()).isEqualTo("list");
                assertThat(r.get("usage").get("prompt_tokens").asInt()).isEqualTo(18);
                assertThat(r.get("data")).hasSize(3);
                for (int i = 0; i < 3; i++) {
                    JsonNode d = r.get("data").get(i);
                    assertThat(d.get("index").asInt()).isEqualTo(i);
                    assertThat(d.get("object").asText()).isEqualTo("embedding");
                    assertThat(d.get("string").asBoolean()).as("base64 asked for: the SDK passes the string on")
                            .isEqualTo(c == 1);
                    float[] want = TextEmbeddingWorker.embed(texts.get(i));
                    assertThat(d.get("embedding")).as(r.get("format") + " item " + i).hasSize(want.length);
                    for (int k = 0; k < want.length; k++) {
                        assertThat(d.get("embedding").get(k).floatValue()).isEqualTo(want[k]);
                    }
                }
            }
            assertThat(lines.get(3).get("ids").toString()).isEqualTo("[\"TextEmbeddingWorker\"]");
            assertThat(lines.get(4).toString()).contains("\"status\":404", "\"code\":\"model_not_found\"",
                    "\"error\":\"NotFoundError\"");
            assertThat(lines.get(5).toString()).contains("\"status\":400", "\"param\":\"input\"",
                    "\"error\":\"BadRequestError\"");
            assertThat(lines.get(6).toString()).contains("\"status\":400", "\"param\":\"encoding_format\"");
            assertThat(lines.get(7).toString()).contains("\"status\":401", "\"code\":\"invalid_api_key\"",
                    "\"error\":\"AuthenticationError\"");
            // 3 calls of 3 texts queued; 4 refused
            assertThat(server.snapshot().requests().accepted()).isEqualTo(9);
            assertThat(server.snapshot().requests().received()).isEqualTo(13);
        }
    }
}

package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.JsonShape;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.protocol.Tensor;
import io.wkr.server.WKRServer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

/**
 * Pins what the job pipeline keeps in Redis, read back raw: job stream entries (field names, their
 * order, the JSON and shape texts), stored results (header keys and value types, the data after
 * the newline), dead-letter entries, and {@link RedisHandler}'s list entries. Producers and
 * consumers in other languages read these (docs/decentral.md), so a renamed key fails here.
 */
@Timeout(90)
class StoredDocumentsTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String HEADER = "status:string,server:string,consumer:string,deliveries:int,finished_ms:int";

    @TempDir Path dir;
    private RedisServer redisServer;
    private RedisClient raw;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redisServer = RedisServer.start(dir.resolve("redis"));
        raw = RedisClient.create(redisServer.host(), redisServer.port());
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
        raw.close();
        redisServer.close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    private static Map<String, Object> json() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text", "héllo \"q\"\n");
        json.put("n", 42L);
        json.put("list", List.of(1L, 2.5, true));
        json.put("none", null);
        return json;
    }

    /** The fields of the only entries of {@code stream}, in order, values as text. */
    private List<Map<String, String>> entries(String stream) {
        List<Map<String, String>> out = new ArrayList<>();
        for (Object o : raw.xrange(utf8(stream), utf8("-"), utf8("+"), 100)) {
            List<?> flat = (List<?>) ((List<?>) o).get(1);
            Map<String, String> f = new LinkedHashMap<>();
            for (int i = 0; i + 1 < flat.size(); i += 2) f.put(text(flat.get(i)), text(flat.get(i + 1)));
            out.add(f);
        }
        return out;
    }

    @Test
    void shouldKeepTheFieldsOfJobEntries() {
        JobsConfig jobs = Cluster.jobs().stream("pin:jobs").build();
        JobQueue queue = closeLater(new JobQueue(Cluster.redis(redisServer), jobs));
        queue.submit("plain");
        queue.submit(new byte[] {1, 2});
        queue.submit(json());
        queue.submit(Tensor.of(new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3));
        List<Map<String, String>> e = entries("pin:jobs");
        assertThat(e).hasSize(4);
        assertThat(e).allSatisfy(f -> assertThat(f.get("submitted_ms")).matches("[0-9]{13}"));
        assertThat(e.get(0)).containsExactly(Map.entry("type", "text"), Map.entry("data", "plain"),
                Map.entry("submitted_ms", e.get(0).get("submitted_ms")));
        assertThat(e.get(1).keySet()).containsExactly("type", "data", "submitted_ms");
        assertThat(e.get(1).get("type")).isEqualTo("bytes");
        assertThat(e.get(2).keySet()).containsExactly("type", "data", "submitted_ms");
        assertThat(e.get(2).get("type")).isEqualTo("json");
        assertThat(e.get(2).get("data")).isEqualTo("{\"text\":\"héllo \\\"q\\\"\\n\",\"n\":42,\"list\":[1,2.5,true],\"none\":null}");
        assertThat(e.get(3).keySet()).containsExactly("type", "data", "dtype", "shape", "submitted_ms");
        assertThat(e.get(3)).containsEntry("type", "tensor").containsEntry("dtype", "float32").containsEntry("shape", "[2,3]");
    }

    @Test
    void shouldKeepTheKeysOfStoredResultsAndDeadLetters() throws Exception {
        WKRServer server = closeLater(Cluster.server(dir.resolve("s1"), new TestWorker.Controls(), 0, 0, 1));
        JobsConfig jobs = Cluster.jobs().maxDeliveries(1).build();
        JobQueue queue = closeLater(new JobQueue(Cluster.redis(redisServer), jobs));
        WKRDecentralizeCentral central = closeLater(new WKRDecentralizeCentral(
                Cluster.central(redisServer, jobs, server).numClient(1).build(), JobUnit::new));
        central.start();
        String text = queue.submit("plain");
        String tensor = queue.submit(Tensor.of(new float[] {1.5f, -2f, 3f, 4f, 5f, 6f}, 2, 3));
        String json = queue.submit(json());
        String poison = queue.submit(TestWorker.POISON);
        for (String id : List.of(text, tensor, json, poison)) queue.await(id, WAIT);

        String address = "127.0.0.1:" + server.portIn();
        byte[][] t = stored(jobs, text);
        assertThat(JsonShape.of(t[0])).isEqualTo("{" + HEADER + ",type:string}");
        assertThat(JsonShape.tree(t[0]).get("status").asText()).isEqualTo("done");
        assertThat(JsonShape.tree(t[0]).get("server").asText()).isEqualTo(address);
        assertThat(JsonShape.tree(t[0]).get("deliveries").asLong()).isEqualTo(1);
        assertThat(JsonShape.tree(t[0]).get("type").asText()).isEqualTo("text");
        assertThat(text(t[1])).isEqualTo("plain");

        byte[][] x = stored(jobs, tensor);
        assertThat(JsonShape.of(x[0])).isEqualTo("{" + HEADER + ",type:string,dtype:string,shape:[int...]}");
        assertThat(JsonShape.tree(x[0]).get("shape")).isEqualTo(JsonShape.tree("[2,3]"));
        assertThat(JsonShape.tree(x[0]).get("dtype").asText()).isEqualTo("float32");
        assertThat(x[1]).hasSize(24);

        byte[][] j = stored(jobs, json);
        assertThat(JsonShape.tree(j[0]).get("type").asText()).isEqualTo("json");
        assertThat(JsonShape.tree(j[1])).isEqualTo(JsonShape.tree(
                "{\"text\":\"héllo \\\"q\\\"\\n\",\"n\":42,\"list\":[1,2.5,true],\"none\":null}"));

        byte[][] p = stored(jobs, poison);
        assertThat(JsonShape.of(p[0])).isEqualTo("{" + HEADER + ",error:string}");
        assertThat(JsonShape.tree(p[0]).get("status").asText()).isEqualTo("failed");
        assertThat(JsonShape.tree(p[0]).get("error").asText()).startsWith("WORKER_FAILED");
        assertThat(p[1]).isEmpty();

        List<Map<String, String>> dead = entries(jobs.deadStream());
        assertThat(dead).hasSize(1);
        Map<String, String> letter = dead.get(0);
        assertThat(letter.keySet()).containsExactly("job", "type", "data", "error", "deliveries", "consumer", "server",
                "failed_ms");
        assertThat(letter).containsEntry("job", poison).containsEntry("type", "text").containsEntry("data", TestWorker.POISON)
                .containsEntry("deliveries", "1").containsEntry("server", address)
                .containsEntry("error", JsonShape.tree(p[0]).get("error").asText())
                .containsEntry("consumer", JsonShape.tree(p[0]).get("consumer").asText());
        assertThat(letter.get("failed_ms")).matches("[0-9]{13}");
    }

    @Test
    void shouldKeepRedisHandlerEntriesAsOneLineJsonObjects() {
        try (RedisHandler q = new RedisHandler("texts", Cluster.redis(redisServer))) {
            q.push(json());
            List<String> list = raw.lrange("texts", 0, -1);
            assertThat(list).containsExactly(
                    "{\"text\":\"héllo \\\"q\\\"\\n\",\"n\":42,\"list\":[1,2.5,true],\"none\":null}");
            assertThat(q.pop()).isEqualTo(json());
        }
    }

    @Test
    void shouldReadResultsWithKeysItDoesNotKnowButRefuseMalformedOnesClearly() {
        JobsConfig jobs = Cluster.jobs().stream("pin:jobs").build();
        JobQueue queue = closeLater(new JobQueue(Cluster.redis(redisServer), jobs));
        raw.set(jobs.resultKey("1-1"), "{\"status\":\"done\",\"server\":\"s\",\"consumer\":\"c\",\"deliveries\":2,"
                + "\"finished_ms\":5,\"type\":\"text\",\"added_later\":{\"x\":1}}\nhello");
        assertThat(queue.poll("1-1")).hasValueSatisfying(r -> {
            assertThat(r.value()).isEqualTo("hello");
            assertThat(r.deliveries()).isEqualTo(2);
            assertThat(r.finishedMillis()).isEqualTo(5);
        });
        raw.set(jobs.resultKey("1-2"), "{\"status\":\"failed\",\"server\":\"s\",\"consumer\":\"c\",\"deliveries\":1,"
                + "\"finished_ms\":5,\"error\":\"WORKER_FAILED: x\"}\n");
        assertThat(queue.poll("1-2")).hasValueSatisfying(r -> assertThat(r.error()).isEqualTo("WORKER_FAILED: x"));

        String header = "\"server\":\"s\",\"consumer\":\"c\",\"finished_ms\":5,\"type\":\"text\"";
        List<String[]> bad = List.of(
                new String[] {"no newline at all", "no header line"},
                new String[] {"{\"status\":\"done\",\"deliveries\":\"2\"," + header + "}\nx", "'deliveries'"},
                new String[] {"{\"status\":\"done\",\"deliveries\":1.5," + header + "}\nx", "'deliveries'"},
                new String[] {"{\"status\":\"maybe\",\"deliveries\":1," + header + "}\nx", "'status'"},
                new String[] {"{\"deliveries\":1," + header + "}\nx", "has no status"},
                new String[] {"{\"status\":\"done\"," + header + "}\nx", "'deliveries'"},
                new String[] {"{\"status\":\"done\",\"deliveries\":1,\"server\":7,\"consumer\":\"c\",\"finished_ms\":5}\nx",
                        "'server'"},
                new String[] {"[1]\nx", "malformed"},
                new String[] {"{\"status\":\"done\",\"deliveries\":1," + header + ",\"type\":\"json\"}\nx", "Duplicate"},
                new String[] {"{\"status\":\"done\",\"deliveries\":1,\"server\":\"s\",\"consumer\":\"c\","
                        + "\"finished_ms\":5,\"type\":\"tensor\",\"dtype\":\"float32\",\"shape\":[\"2\"]}\nx", "'shape"});
        for (String[] b : bad) {
            raw.set(jobs.resultKey("2-1"), b[0]);
            assertThatThrownBy(() -> queue.poll("2-1")).as(b[0]).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining(b[1]);
        }
    }

    /** The header line and the data of a stored result. */
    private byte[][] stored(JobsConfig jobs, String id) {
        byte[] v = raw.get(utf8(jobs.resultKey(id)));
        assertThat(v).as("result of " + id).isNotNull();
        int nl = 0;
        while (v[nl] != '\n') nl++;
        return new byte[][] {Arrays.copyOfRange(v, 0, nl), Arrays.copyOfRange(v, nl + 1, v.length)};
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}

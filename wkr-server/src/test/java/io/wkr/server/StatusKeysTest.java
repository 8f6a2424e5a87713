package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wkr.client.WKRClient;
import io.wkr.protocol.WKRException;
import io.wkr.protocol.Wire;
import io.wkr.server.testing.DebianPython;
import io.wkr.server.testing.DocTables;
import io.wkr.server.testing.RawPeer;
import io.wkr.server.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Pins the status document to its description: every key docs/protocol.md §9 lists, with its type,
 * and no other, in {@code /status}, in the JSON {@code SHOW_CONFIG} reply and in the pickled one
 * (read by Debian's Python, as the original client reads it); and the three agree with each other
 * on every key, null and number type.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class StatusKeysTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String UNPICKLE = "import json, pickle, sys\n"
            + "print(json.dumps(pickle.loads(sys.stdin.buffer.read()), allow_nan=False))";

    @TempDir Path dir;
    private WKRServer server;

    /** Echoes, records custom statistics (one of them never finite), and fails on "boom". */
    public static final class RecordingWorker extends WKRHardWorker<Void, Object, Object> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            recordStatistic(Map.of("tokens", inputs.size(), "not_finite", Double.NaN, "ratio", 0.5));
            if (inputs.contains("boom")) throw new IllegalStateException("boom requested");
            return new ArrayList<>(inputs);
        }
    }

    @BeforeEach
    void start() throws Exception {
        server = TestServers.start(TestServers.config(dir).numWorker(2).batchSize(4).httpPort(0).build(),
                RecordingWorker::new);
        try (WKRClient client = new WKRClient(TestServers.client(server).build())) {
            for (int i = 0; i < 5; i++) client.encode("x" + i);
            try {
                client.encode("boom");
            } catch (WKRException expected) {
                // a failed batch: requests.errors and workers[].last_error get values
            }
        }
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void shouldSendEveryDocumentedKeyWithItsTypeAndNoOtherInEveryStatusDocument() throws Exception {
        Map<String, Map<String, String>> tables = documentedTables();
        JsonNode status = status();
        JsonNode json;
        JsonNode pickled;
        try (RawPeer peer = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "keys-test")) {
            peer.handshake(WAIT);
            List<byte[]> j = peer.call("1", Wire.SHOW_CONFIG, ascii("{\"format\":\"json\"}"), WAIT);
            assertThat(j.get(3)).isEqualTo(ascii("{\"format\":\"json\"}"));
            json = JSON.readTree(j.get(2));
            List<byte[]> p = peer.call("2", Wire.SHOW_CONFIG, ascii("\"{}\""), WAIT);
            assertThat(p.get(3)).isEqualTo(Wire.PICKLE_INFO);
            pickled = JSON.readTree(DebianPython.run(UNPICKLE, p.get(2), Duration.ofSeconds(30)));
        }

        Set<String> used = new HashSet<>();
        check("/status", status, "", tables, used, Set.of("client"));
        check("SHOW_CONFIG json", json, "", tables, used, Set.of());
        check("SHOW_CONFIG pickle", pickled, "", tables, used, Set.of());
        assertThat(used).as("tables of docs/protocol.md §9 that describe nothing the server sends")
                .containsExactlyInAnyOrderElementsOf(tables.keySet());

        assertThat(json.get("client").asText()).isEqualTo("keys-test");
        assertThat(pickled.get("client").asText()).isEqualTo("keys-test");
        ObjectNode withoutClient = ((ObjectNode) json.deepCopy());
        withoutClient.remove("client");
        assertThat(shape(status)).as("/status and SHOW_CONFIG json").isEqualTo(shape(withoutClient));
        assertThat(shape(pickled)).as("the pickle and the JSON").isEqualTo(shape(json));
    }

    @Test
    void shouldWriteNumbersThatAreNotFiniteAsNullInJsonAndNoneInThePickle() throws Exception {
        assertThat(server.snapshot().custom().get("not_finite").mean()).isNaN();
        JsonNode json = status();
        for (String k : List.of("mean", "min", "max", "last")) {
            assertThat(json.at("/custom/not_finite/" + k).isNull()).as(k).isTrue();
        }
        assertThat(json.at("/custom/not_finite/count").asLong()).isPositive();
        assertThat(json.at("/custom/ratio/mean").doubleValue()).isEqualTo(0.5);
        try (RawPeer peer = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "nan-test")) {
            peer.handshake(WAIT);
            byte[] pickle = peer.call("1", Wire.SHOW_CONFIG, ascii("\"{}\""), WAIT).get(2);
            String out = DebianPython.run("import pickle, sys\n"
                    + "d = pickle.loads(sys.stdin.buffer.read())['custom']\n"
                    + "print(d['not_finite']['mean'] is None, d['not_finite']['last'] is None, d['ratio']['mean'])",
                    pickle, Duration.ofSeconds(30));
            assertThat(out.strip()).isEqualTo("True True 0.5");
        }
    }

    private JsonNode status() throws Exception {
        HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.httpPort() + "/status")).timeout(WAIT).build(),
                HttpResponse.BodyHandlers.ofByteArray());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readTree(r.body());
    }

    /**
     * The tables of docs/protocol.md §9: key to documented type, by where the keys are ({@code ""}
     * the top level, {@code "requests"}, {@code "requests.errors"}, {@code "workers[]"} for each
     * entry of {@code workers}, ...).
     */
    private static Map<String, Map<String, String>> documentedTables() throws Exception {
        Map<String, Map<String, String>> tables = new TreeMap<>();
        for (DocTables.Row row : DocTables.rows("protocol.md", "## 9. Status keys")) {
            List<String> where = row.heading().startsWith("## 9.") ? List.of("") : DocTables.code(row.heading());
            assertThat(where).as("a table under " + row.heading() + " names where its keys are").isNotEmpty();
            boolean entries = row.heading().contains("each entry of");
            for (String w : where) {
                Map<String, String> table = tables.computeIfAbsent(entries ? w + "[]" : w, k -> new LinkedHashMap<>());
                for (String key : row.code(0)) {
                    assertThat(table.put(key, row.cells().get(1))).as("key " + key + " listed twice").isNull();
                }
            }
        }
        return tables;
    }

    /**
     * Checks that the object {@code node} at {@code where} has exactly the keys of its table, each
     * of its documented type, and goes on into the dicts and lists of dicts it holds.
     */
    private static void check(String doc, JsonNode node, String where, Map<String, Map<String, String>> tables,
            Set<String> used, Set<String> absent) {
        Map<String, String> table = tables.get(where);
        assertThat(table).as(doc + ": docs/protocol.md §9 has no table for " + label(where)).isNotNull();
        used.add(where);
        Set<String> expected = new HashSet<>(table.keySet());
        if (where.isEmpty()) expected.removeAll(absent);
        assertThat(fieldNames(node)).as(doc + ": the keys of " + label(where))
                .containsExactlyInAnyOrderElementsOf(expected);
        for (String key : expected) {
            JsonNode value = node.get(key);
            String type = table.get(key);
            String path = where.isEmpty() ? key : where + "." + key;
            assertThat(matches(value, type)).as(doc + ": " + path + " = " + value + " is not " + type).isTrue();
            String inner = type.replace(" or null", "");
            if (value.isNull()) continue;
            if (inner.equals("dict")) {
                check(doc, value, path, tables, used, absent);
            } else if (inner.equals("list of dict") || inner.equals("dict of dict")) {
                for (JsonNode entry : value) check(doc, entry, path + "[]", tables, used, absent);
            }
        }
    }

    private static String label(String where) {
        return where.isEmpty() ? "the top level" : "'" + where + "'";
    }

    /** The types docs/protocol.md §9 uses: str, int, float, bool, dict, list of T, dict of T, T or null. */
    private static boolean matches(JsonNode v, String type) {
        if (type.endsWith(" or null")) {
            return v.isNull() || matches(v, type.substring(0, type.length() - " or null".length()));
        }
        if (type.startsWith("list of ")) return v.isArray() && all(v.elements(), type.substring("list of ".length()));
        if (type.startsWith("dict of ")) return v.isObject() && all(v.elements(), type.substring("dict of ".length()));
        return switch (type) {
            case "str" -> v.isTextual();
            case "int" -> v.isIntegralNumber();
            case "float" -> v.isFloatingPointNumber();
            case "bool" -> v.isBoolean();
            case "dict" -> v.isObject();
            default -> throw new AssertionError("docs/protocol.md §9 uses a type the test does not know: " + type);
        };
    }

    private static boolean all(Iterator<JsonNode> values, String type) {
        while (values.hasNext()) if (!matches(values.next(), type)) return false;
        return true;
    }

    private static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    /** Every path in {@code node} to the JSON type of its value (object and array paths included). */
    private static Map<String, String> shape(JsonNode node) {
        Map<String, String> out = new TreeMap<>();
        shape("$", node, out);
        return out;
    }

    private static void shape(String path, JsonNode node, Map<String, String> out) {
        out.put(path, node.isIntegralNumber() ? "int"
                : node.isFloatingPointNumber() ? "float" : node.getNodeType().name());
        if (node.isObject()) node.fields().forEachRemaining(e -> shape(path + "." + e.getKey(), e.getValue(), out));
        if (node.isArray()) for (int i = 0; i < node.size(); i++) shape(path + "[" + i + "]", node.get(i), out);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }
}

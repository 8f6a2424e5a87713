package io.wkr.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.json.JsonWriteFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * {@link Json} against Jackson (the server's JSON library) on the same documents: Json reads what
 * Jackson writes to the values Jackson reads, up to the number types its Javadoc gives; Jackson
 * reads what Json writes to the values it reads from its own output; and both refuse the same
 * malformed texts.
 */
class JsonJacksonTest {
    private static final ObjectMapper JACKSON = JsonMapper.builder()
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS) // Json refuses trailing text too
            .build();
    private static final List<ObjectWriter> WRITERS = List.of(JACKSON.writer(),
            JACKSON.writerWithDefaultPrettyPrinter(), JACKSON.writer().with(JsonWriteFeature.ESCAPE_NON_ASCII));

    /** Representative documents with finite numbers only (see {@link #shouldTellNonFiniteNumbersApartFromJackson}). */
    private static List<Object> documents() {
        Map<String, Object> empty = new LinkedHashMap<>();
        Map<String, Object> nulls = new LinkedHashMap<>();
        nulls.put("a", null);
        nulls.put("list", Arrays.asList(null, 1, null));
        nulls.put("array", new Object[] {1, null, "a"});
        return List.of(
                statusDocument(),
                Map.of("dtype", "float32", "shape", List.of(5, 5)),
                Map.of("dtype", "float32", "shape", List.of(5, 5), "timeout_ms", 4611686018427L),
                Map.of("protocol", -1, "compress", 0),
                Map.of("format", "json"),
                empty, List.of(), nulls,
                Map.of("deep", List.of(Map.of("a", List.of(List.of(Map.of("b", List.of(List.of(List.of())))))))),
                numbers(),
                strings(),
                "a bare string", 42, -7.25, true, false);
    }

    private static Map<String, Object> numbers() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("zero", 0);
        m.put("int", -123456);
        m.put("intMax", Integer.MAX_VALUE);
        m.put("beyondInt", 1L + Integer.MAX_VALUE);
        m.put("longMax", Long.MAX_VALUE);
        m.put("longMin", Long.MIN_VALUE);
        m.put("beyondLong", BigInteger.valueOf(Long.MAX_VALUE).add(BigInteger.ONE));
        m.put("hugeWhole", new BigInteger("123456789012345678901234567890"));
        m.put("negativeZero", -0.0);
        m.put("two", 2.0);
        m.put("small", 1.5e-300);
        m.put("subnormal", Double.MIN_VALUE);
        m.put("large", 1.0e300);
        m.put("doubleMax", Double.MAX_VALUE);
        m.put("third", 1.0 / 3);
        m.put("float", 0.1f);
        m.put("floatArray", new float[] {1.5f, -0.25f});
        m.put("doubleArray", new double[] {1e-7, 12345.678});
        m.put("intArray", new int[] {1, -2, 3});
        m.put("longArray", new long[] {Long.MIN_VALUE, 0});
        return m;
    }

    private static Map<String, Object> strings() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("empty", "");
        m.put("quotes", "say \"hi\" \\ / done");
        m.put("controls", "\b\f\n\r\t\u0000\u0001\u001f\u007f");
        m.put("latin", "déjà vu, Größe");
        m.put("cjk", "数据 データ");
        m.put("emoji", "\uD83D\uDE00 \uD83D\uDC4D");
        m.put("separators", "\u2028\u2029");
        m.put("ключ", "a key that is not ASCII");
        m.put("", "an empty key");
        return m;
    }

    /** The shapes of a {@code SHOW_CONFIG} status (docs/protocol.md §9), finite numbers only. */
    private static Map<String, Object> statusDocument() {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("protocol", "obj");
        s.put("server_version", "2.1.0");
        s.put("wkr_version", "0.1.0");
        s.put("state", "READY");
        s.put("ready", true);
        s.put("port", 5555);
        s.put("http_port", null);
        s.put("device_map", List.of(-1, 0, 1));
        s.put("gpu_memory_fraction", 0.5);
        s.put("max_queue_bytes", 4_294_967_296L);
        s.put("server_start_time", "2025-01-31T09:15:02.117Z");
        s.put("uptime_seconds", 12.345);
        s.put("requests", Map.of("received", 10, "errors", Map.of("OVERLOADED", 2, "TIMEOUT", 0)));
        s.put("throughput_rps", 0.0);
        s.put("batches", Map.of("count", 3, "mean_size", 3.3333333333333335, "sizes", Map.of("1", 2, "8", 1)));
        s.put("latency_ms", Map.of("count", 10, "mean", 1.25, "p50", 1.0, "p999", 40.5, "max", 40.96));
        Map<String, Object> worker = new LinkedHashMap<>();
        worker.put("id", 0);
        worker.put("device", -1);
        worker.put("state", "IDLE");
        worker.put("busy_seconds", 1.0e-3);
        worker.put("last_error", null);
        s.put("workers", List.of(worker, Map.of("id", 1, "device", 0, "state", "BUSY", "last_error",
                "WORKER_FAILED: model threw java.lang.IllegalStateException: \"bad\"\n\tat x")));
        s.put("custom", Map.of("tokens", Map.of("count", 4, "mean", 2.5, "min", 1, "max", 4, "last", 3)));
        s.put("client", "3f2b6c1e-8d4a-4e57-9b0c-2a61d7e9f405");
        return s;
    }

    /**
     * What Jackson read, in the number types of {@link Json}'s contract: whole numbers that fit a
     * long as {@link Long} (Jackson: {@code Integer} or {@code Long}), larger ones as the nearest
     * {@link Double} (Jackson: {@code BigInteger}), the rest as {@link Double} (Jackson too).
     */
    private static Object inJsonTypes(Object v) {
        if (v instanceof Integer i) return i.longValue();
        if (v instanceof BigInteger b) return b.doubleValue();
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new LinkedHashMap<>();
            m.forEach((k, e) -> out.put(k, inJsonTypes(e)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>();
            for (Object e : l) out.add(inJsonTypes(e));
            return out;
        }
        return v;
    }

    @Test
    void shouldReadWhatJacksonWritesToTheValuesJacksonReads() throws JsonProcessingException {
        for (Object document : documents()) {
            for (ObjectWriter writer : WRITERS) {
                String text = writer.writeValueAsString(document);
                Object expected = inJsonTypes(JACKSON.readValue(text, Object.class));
                assertThat(Json.parse(text)).as(text).isEqualTo(expected);
                assertThat(Json.parse(text.getBytes(StandardCharsets.UTF_8))).as(text).isEqualTo(expected);
            }
        }
    }

    @Test
    void shouldWriteWhatJacksonReadsToTheValuesOfItsOwnOutput() throws JsonProcessingException {
        for (Object document : documents()) {
            String ours = Json.write(document);
            Object read = JACKSON.readValue(ours, Object.class);
            assertThat(read).as(ours).isEqualTo(JACKSON.readValue(JACKSON.writeValueAsString(document), Object.class));
            assertThat(Json.parse(ours)).as(ours).isEqualTo(inJsonTypes(read));
        }
    }

    @Test
    void shouldReadNumbersToTheTypesItsJavadocGives() {
        // whole numbers that fit a long: Long
        assertThat(Json.parse("[0, -0, 7, -9223372036854775808, 9223372036854775807]"))
                .isEqualTo(List.of(0L, 0L, 7L, Long.MIN_VALUE, Long.MAX_VALUE));
        // a fraction or an exponent: Double, even when the value is whole
        assertThat(Json.parse("[2.0, 1e3, 1E+2, -0.0, 5e-324, 1.5]")).isEqualTo(List.of(2.0, 1000.0, 100.0, -0.0, Double.MIN_VALUE, 1.5));
        // whole but beyond a long: the nearest Double (Jackson: BigInteger)
        assertThat(Json.parse("9223372036854775808")).isEqualTo(9.223372036854775808E18);
        assertThat(Json.parse("-123456789012345678901234567890")).isEqualTo(-1.2345678901234568E29);
        // beyond the double range: infinite, as Jackson reads it
        assertThat(Json.parse("[1e400, -1e400, 1e-400]")).isEqualTo(List.of(Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, 0.0));
        assertThat(inJsonTypes(readByJackson("[1e400, -1e400, 1e-400]"))).isEqualTo(Json.parse("[1e400, -1e400, 1e-400]"));
    }

    @Test
    void shouldTellNonFiniteNumbersApartFromJackson() throws JsonProcessingException {
        // JSON has no NaN: Json writes null, Jackson writes a string, and neither reads a bare NaN.
        List<Object> nonFinite = List.of(Double.NaN, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Float.NaN);
        assertThat(Json.write(nonFinite)).isEqualTo("[null,null,null,null]");
        assertThat(Json.write(new double[] {1, Double.NaN})).isEqualTo("[1.0,null]");
        String jackson = JACKSON.writeValueAsString(nonFinite);
        assertThat(jackson).isEqualTo("[\"NaN\",\"Infinity\",\"-Infinity\",\"NaN\"]");
        assertThat(Json.parse(jackson)).isEqualTo(JACKSON.readValue(jackson, Object.class))
                .isEqualTo(List.of("NaN", "Infinity", "-Infinity", "NaN"));
        assertThat(JACKSON.readValue(Json.write(nonFinite), Object.class)).isEqualTo(Arrays.asList(null, null, null, null));
    }

    @Test
    void shouldRefuseWhatJacksonRefuses() {
        for (String bad : List.of("", " ", "{", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}", "['a']",
                "01", "-01", "1.", ".5", "+1", "1e", "1e+", "--1", "0x10", "NaN", "Infinity", "-Infinity", "nul",
                "True", "\"\\x41\"", "\"\\u12\"", "\"tab\there\"", "\"line\nbreak\"", "[1] 2", "{} {}", "\"a\" \"b\"",
                "/* c */ 1", "[1] // c", "\"unterminated")) {
            assertThatThrownBy(() -> Json.parse(bad)).as("Json: %s", bad).isInstanceOf(IllegalArgumentException.class);
            assertThatThrownBy(() -> JACKSON.readValue(bad, Object.class)).as("Jackson: %s", bad)
                    .isInstanceOf(JsonProcessingException.class);
        }
    }

    @Test
    void shouldKeepTheLastOfARepeatedKeyAsJacksonDoes() {
        String text = "{\"a\":1,\"b\":2,\"a\":[3]}";
        assertThat(Json.parse(text)).isEqualTo(inJsonTypes(readByJackson(text))).isEqualTo(Map.of("a", List.of(3L), "b", 2L));
    }

    private static Object readByJackson(String text) {
        try {
            return JACKSON.readValue(text, Object.class);
        } catch (JsonProcessingException e) {
            throw new AssertionError(e);
        }
    }
}

package io.wkr.decentral.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The decentral module's JSON policy: what it writes, and what its strict, bounded reading refuses. */
class JsonDocumentsTest {
    record Doc(String name, @JsonProperty("max_count") int maxCount, Long limit) {}

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void shouldWriteRecordsAndValuesAsOneCompactLine() {
        assertThat(JsonDocuments.writeString(new Doc("a\nb \"q\" é", 3, null)))
                .isEqualTo("{\"name\":\"a\\nb \\\"q\\\" é\",\"max_count\":3,\"limit\":null}");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("i", 1);
        m.put("l", List.of(2L, 2.5, true));
        m.put("a", new int[] {1, 2});
        m.put("n", null);
        assertThat(JsonDocuments.writeString(m)).isEqualTo("{\"i\":1,\"l\":[2,2.5,true],\"a\":[1,2],\"n\":null}");
    }

    @Test
    void shouldReadValuesAsTheDocumentedJavaTypes() {
        Object v = JsonDocuments.readValue(utf8(" {\"b\": 1, \"a\": [2.5, -3, true, null, \"x\"], \"big\": 123456789012345678901234567890,"
                + " \"o\": {}} "), JsonDocuments.SMALL);
        assertThat(v).isInstanceOf(LinkedHashMap.class);
        Map<?, ?> m = (Map<?, ?>) v;
        assertThat(new ArrayList<Object>(m.keySet())).containsExactly("b", "a", "big", "o");
        assertThat(m.get("b")).isEqualTo(1L);
        assertThat(m.get("a")).isInstanceOf(ArrayList.class).isEqualTo(java.util.Arrays.asList(2.5, -3L, true, null, "x"));
        assertThat(m.get("big")).isEqualTo(1.2345678901234568E29);
        assertThat(m.get("o")).isEqualTo(Map.of());
        assertThat(JsonDocuments.readValue(utf8("9223372036854775807"), 100)).isEqualTo(Long.MAX_VALUE);
        assertThat(JsonDocuments.readValue(utf8("null"), 100)).isNull();
    }

    @Test
    void shouldRefuseWhatIsNotStrictJson() {
        for (String bad : List.of("", "   ", "{\"a\":1} x", "{\"a\":1}{}", "{\"a\":1,\"a\":2}", "NaN", "[1,]", "01",
                "{'a':1}", "[1] // c", "\"tab\there\"", "{\"a\" 1}", "[1", "tru")) {
            assertThatThrownBy(() -> JsonDocuments.readValue(utf8(bad), 1000)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON");
            assertThatThrownBy(() -> JsonDocuments.readTree(utf8(bad), 1000)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("JSON");
        }
        assertThatThrownBy(() -> JsonDocuments.readValue(new byte[] {'"', (byte) 0xff, '"'}, 100))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRefuseDocumentsBeyondTheLimits() {
        assertThatThrownBy(() -> JsonDocuments.readValue(utf8("[1,2,3]"), 6))
                .hasMessage("JSON text of 7 bytes exceeds the limit of 6 bytes");
        assertThatThrownBy(() -> JsonDocuments.readTree(utf8("[1,2,3]"), 6)).hasMessageContaining("exceeds the limit");
        String deep = "[".repeat(JsonDocuments.MAX_DEPTH + 1) + "]".repeat(JsonDocuments.MAX_DEPTH + 1);
        assertThatThrownBy(() -> JsonDocuments.readValue(utf8(deep), 1000)).hasMessageContaining("nesting depth");
        assertThatThrownBy(() -> JsonDocuments.readTree(utf8(deep), 1000)).hasMessageContaining("nesting depth");
        String fine = "[".repeat(JsonDocuments.MAX_DEPTH) + "]".repeat(JsonDocuments.MAX_DEPTH);
        assertThat(JsonDocuments.readValue(utf8(fine), 1000)).isInstanceOf(List.class);

        byte[] atLimit = utf8("[" + "0,".repeat(JsonDocuments.MAX_VALUES - 2) + "0]"); // the array and its elements
        assertThat((List<?>) JsonDocuments.readValue(atLimit, JsonDocuments.LARGE)).hasSize(JsonDocuments.MAX_VALUES - 1);
        byte[] beyond = utf8("[" + "0,".repeat(JsonDocuments.MAX_VALUES - 1) + "0]");
        assertThatThrownBy(() -> JsonDocuments.readValue(beyond, JsonDocuments.LARGE))
                .hasMessage("more than " + JsonDocuments.MAX_VALUES + " JSON values");
    }

    @Test
    void shouldReadTypedDocumentsStrictlyNamingTheKeyAtFault() {
        assertThat(JsonDocuments.read(utf8("{\"name\":\"n\",\"max_count\":2}"), 100, Doc.class)).isEqualTo(new Doc("n", 2, null));
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"name\":\"n\",\"max_count\":1,\"extra\":1}"), 100, Doc.class))
                .hasMessage("unknown key 'extra' (known: limit, max_count, name)");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"max_count\":\"2\"}"), 100, Doc.class))
                .hasMessageStartingWith("bad value for 'max_count': ");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"max_count\":2.5}"), 100, Doc.class))
                .hasMessageStartingWith("bad value for 'max_count': ");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"max_count\":null}"), 100, Doc.class))
                .hasMessageStartingWith("bad value for 'max_count': ");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"name\":\"n\"}"), 100, Doc.class))
                .hasMessageStartingWith("bad value for 'max_count': ");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"name\":5}"), 100, Doc.class))
                .hasMessageStartingWith("bad value for 'name': ");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"name\":true}"), 100, Doc.class))
                .hasMessageStartingWith("bad value for 'name': ");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"limit\":99999999999999999999}"), 100, Doc.class))
                .hasMessageStartingWith("bad value for 'limit': ");
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"name\":\"n\"} {}"), 100, Doc.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonDocuments.read(utf8("[\"n\"]"), 100, Doc.class))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> JsonDocuments.read(utf8("{\"name\":\"a\",\"name\":\"b\"}"), 100, Doc.class))
                .hasMessageContaining("Duplicate field 'name'");
    }
}

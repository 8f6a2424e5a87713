package io.wkr.protocol.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {
    private static final Json.Limits SMALL = new Json.Limits(100, 5, 6, 3);

    @Test
    void shouldWriteObjectArraysHoldingNull() {
        assertThat(Json.write(new Object[] {1, null, "a"})).isEqualTo("[1,null,\"a\"]");
        assertThat(Json.write(Map.of("a", new Object[] {null}))).isEqualTo("{\"a\":[null]}");
    }

    @Test
    void shouldReadWithinItsLimits() {
        assertThat(Json.parse("{\"a\":[1,\"abcde\"]}", SMALL)).isEqualTo(Map.of("a", List.of(1L, "abcde")));
        assertThatThrownBy(() -> Json.parse("\"abcdef\"", SMALL)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("string longer than 5 characters");
        assertThatThrownBy(() -> Json.parse("{\"abcdef\":1}", SMALL)).hasMessageContaining("string longer than 5");
        assertThatThrownBy(() -> Json.parse("[1,2,3,4,5,6]", SMALL)).hasMessageContaining("more than 6 values");
        assertThatThrownBy(() -> Json.parse("{\"a\":1,\"b\":2,\"c\":3}", SMALL)).hasMessageContaining("more than 6 values");
        assertThatThrownBy(() -> Json.parse("[[[[1]]]]", SMALL)).hasMessageContaining("nested deeper than 3");
        byte[] big = ("[" + "1,".repeat(60) + "1]").getBytes(StandardCharsets.UTF_8);
        assertThatThrownBy(() -> Json.parse(big, SMALL)).hasMessage("JSON text of 123 bytes exceeds the limit of 100 bytes");
        // info frames: the server's 64 KiB, and no more than a few thousand values
        assertThatThrownBy(() -> Json.parseObject(("{\"shape\":[" + "1,".repeat(5000) + "1]}").getBytes(StandardCharsets.UTF_8),
                Json.Limits.INFO)).hasMessageContaining("more than 4096 values");
    }

    @Test
    void shouldReadNumbersAsRfc8259WritesThem() {
        assertThat(Json.parse("[-0, 0, 12, 1.5e-3, 1E+2, -7.25, 9223372036854775807]"))
                .isEqualTo(Arrays.asList(0L, 0L, 12L, 1.5e-3, 100.0, -7.25, Long.MAX_VALUE));
        assertThat(Json.parse("92233720368547758080")).isEqualTo(9.223372036854776E19);
        assertThat(Json.parse("2.0")).isEqualTo(2.0);
        for (String bad : List.of("01", "1.", ".5", "-", "+1", "1e", "1e+", "--1", "1.2.3", "0x10", "Infinity", "NaN", "-Infinity")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
    }

    @Test
    void shouldReadOnlyHexDigitsInUnicodeEscapes() {
        assertThat(Json.parse("\"\\u00e9\\u00C9\"")).isEqualTo("éÉ");
        for (String bad : List.of("\"\\u+1ab\"", "\"\\u-001\"", "\"\\u12\"", "\"\\u 123\"")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("bad \\u escape");
        }
    }
}

package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.OverloadedException;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.internal.MemoryBudget;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Decoding JSON bodies: tensors read exactly, every narrowing conversion range-checked (never
 * wrapped, clamped or rounded to an integer), shapes bounded, trailing content refused, and the
 * memory a body decodes into charged and bounded.
 */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JsonInputsTest {
    private static Object numpy(String json) {
        return JsonInputs.fromJson(json.getBytes(StandardCharsets.UTF_8), Protocol.NUMPY, DecodeBudget.UNLIMITED);
    }

    private static Object obj(String json) {
        return JsonInputs.fromJson(json.getBytes(StandardCharsets.UTF_8), Protocol.OBJ, DecodeBudget.UNLIMITED);
    }

    private static Object tensorJson(String json) throws Exception {
        return HttpCalls.json(ResultJson.MAPPER.writeValueAsString(Map.of("r", numpy(json)))).get("r");
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "uint8   | 300",
        "uint8   | -1",
        "uint8   | 1.5",
        "int8    | 128",
        "int8    | -129",
        "int16   | 32768",
        "uint16  | 65536",
        "int32   | 2147483648",
        "int32   | 2.5",
        "uint32  | 4294967296",
        "uint32  | -1",
        "int64   | 9223372036854775808",
        "int64   | -9223372036854775809",
        "int64   | 1e19",
        "uint64  | 18446744073709551616",
        "uint64  | -1",
        "bool    | 2",
        "bool    | -1",
        "float32 | 3.5e38",
        "float32 | -1e39",
        "float64 | 1e309",
        "int32   | 1e-999999",
        "int64   | 1e999999999",
    })
    void shouldRefuseValuesOutsideTheDtype(String dtype, String value) {
        assertThatThrownBy(() -> numpy("{\"dtype\": \"" + dtype + "\", \"data\": [0, " + value + "]}"))
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining("element 1")
                .hasMessageContaining(dtype);
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource(delimiter = '|', value = {
        "uint8   | 255                  | 255",
        "int8    | -128                 | -128",
        "int32   | 2.0                  | 2",
        "int32   | 3e2                  | 300",
        "uint32  | 4294967295           | 4294967295",
        "int64   | -9223372036854775808 | -9223372036854775808",
        "int64   | 9223372036854775807  | 9223372036854775807",
        "uint64  | 18446744073709551615 | 18446744073709551615",
        "bool    | true                 | 1",
        "bool    | 0                    | 0",
        "float32 | 3.4e38               | 3.4E38",
        "float64 | 1e308                | 1.0E308",
    })
    void shouldKeepValuesInsideTheDtype(String dtype, String value, String back) throws Exception {
        @SuppressWarnings("unchecked")
        Map<String, Object> t = (Map<String, Object>) tensorJson("{\"dtype\": \"" + dtype + "\", \"data\": [" + value + "]}");
        assertThat(t).containsEntry("dtype", dtype);
        assertThat(String.valueOf(((List<?>) t.get("data")).get(0))).isEqualTo(back);
    }

    @Test
    void shouldReadTensorsInAnyFieldOrderAndNestedArraysAsFloat32() {
        Tensor a = (Tensor) numpy("{\"data\": [[1, 2], [3, 4]], \"shape\": [4], \"dtype\": \"int16\"}");
        assertThat(a.dtype()).isEqualTo(DType.INT16);
        assertThat(a.shape()).containsExactly(4);
        assertThat(a.buffer().getShort(6)).isEqualTo((short) 4);
        Tensor b = (Tensor) numpy("[[0.5, 1.5], [2.5, 3.5], [4.5, 5.5]]");
        assertThat(b.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(b.shape()).containsExactly(3, 2);
        assertThat(b.toFloatArray()).containsExactly(0.5f, 1.5f, 2.5f, 3.5f, 4.5f, 5.5f);
        assertThat(((Tensor) numpy("[]")).shape()).containsExactly(0);
        assertThat(((Tensor) numpy("[[], []]")).shape()).containsExactly(2, 0);
        assertThat(((Tensor) numpy("{\"dtype\": \"<u2\", \"shape\": [], \"data\": [7]}")).shape()).isEmpty();
    }

    @Test
    void shouldRefuseBadShapesAndStructures() {
        assertThatThrownBy(() -> numpy("{\"shape\": [4294967298], \"data\": [1, 2]}"))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("4294967298").hasMessageContaining("out of range");
        assertThatThrownBy(() -> numpy("{\"shape\": [2147483648], \"data\": []}")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> numpy("{\"shape\": [-1], \"data\": []}")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> numpy("{\"shape\": [2.0], \"data\": [1, 2]}")).isInstanceOf(BadRequestException.class);
        assertThatThrownBy(() -> numpy("{\"shape\": [65536, 65536], \"data\": []}")).hasMessageContaining("too large");
        assertThatThrownBy(() -> numpy("{\"shape\": [3], \"data\": [1, 2]}")).hasMessageContaining("holds 3 elements");
        assertThatThrownBy(() -> numpy("[[1, 2], [3]]")).hasMessageContaining("ragged");
        assertThatThrownBy(() -> numpy("[[1, 2], 3]")).hasMessageContaining("ragged");
        assertThatThrownBy(() -> numpy("[[], [1]]")).hasMessageContaining("ragged");
        assertThatThrownBy(() -> numpy("[1, \"two\"]")).hasMessageContaining("numbers");
        assertThatThrownBy(() -> numpy("[1, null]")).hasMessageContaining("numbers");
        assertThatThrownBy(() -> numpy("[1, {}]")).hasMessageContaining("numbers");
        assertThatThrownBy(() -> numpy("[".repeat(33) + "1" + "]".repeat(33))).hasMessageContaining("deeper");
        assertThatThrownBy(() -> numpy("{\"dtpye\": \"int8\", \"data\": [1]}")).hasMessageContaining("unknown field 'dtpye'");
        assertThatThrownBy(() -> numpy("{\"dtype\": \"int8\"}")).hasMessageContaining("'data'");
        assertThatThrownBy(() -> numpy("{\"dtype\": \"float16\", \"data\": [1]}")).hasMessageContaining("float16");
        assertThatThrownBy(() -> numpy("\"text\"")).hasMessageContaining("numpy protocol");
        assertThatThrownBy(() -> numpy("[1, 2] [3]")).hasMessageContaining("trailing content");
        assertThatThrownBy(() -> numpy("[1, 2] xyz")).isInstanceOf(BadRequestException.class);
    }

    @Test
    void shouldQuoteOnlyAShortPrefixOfWhatWasSent() {
        String huge = "x".repeat(1_000_000);
        assertThatThrownBy(() -> numpy("{\"dtype\": \"" + huge + "\", \"data\": [1]}"))
                .isInstanceOf(BadRequestException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        assertThatThrownBy(() -> numpy("{\"" + huge + "\": 1, \"data\": [1]}"))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
        assertThatThrownBy(() -> numpy("{\"dtype\": \"uint8\", \"data\": [" + "9".repeat(399) + "]}"))
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @Test
    void shouldReadObjValuesAsJacksonWouldAndRefuseWhatCannotBeWrittenBack() {
        assertThat(obj("{\"a\": [1, 2.5, \"s\", true, null, 3000000000, 123456789012345678901234567890]}"))
                .isEqualTo(Map.of("a", java.util.Arrays.asList(1, 2.5, "s", true, null, 3_000_000_000L,
                        new BigInteger("123456789012345678901234567890"))));
        assertThatThrownBy(() -> obj("[1e400]")).hasMessageContaining("out of range");
        assertThatThrownBy(() -> obj("{\"a\": 1} {}")).hasMessageContaining("trailing content");
        assertThatThrownBy(() -> obj("null")).hasMessageContaining("null");
        assertThatThrownBy(() -> obj("[".repeat(65) + "]".repeat(65))).isInstanceOf(BadRequestException.class);
    }

    @Test
    void shouldBoundWhatABodyDecodesInto() {
        MemoryBudget memory = new MemoryBudget("max_queue_bytes", 64L << 20);
        // [{},{},...]: some 40 times the body in maps
        byte[] maps = ("[" + "{},".repeat(100_000) + "{}]").getBytes(StandardCharsets.US_ASCII);
        Reservation r = new Reservation(memory);
        r.bodyRead(maps.length);
        assertThatThrownBy(() -> JsonInputs.fromJson(maps, Protocol.OBJ, r))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("8 x its size");
        r.release();
        assertThat(memory.used()).isZero();

        // a tensor is charged exactly and refused when the budget is full now
        byte[] ones = ("[" + "1,".repeat(99_999) + "1]").getBytes(StandardCharsets.US_ASCII);
        MemoryBudget small = new MemoryBudget("max_queue_bytes", 600_000);
        small.reserve(300_000);
        Reservation full = new Reservation(small);
        full.bodyRead(ones.length);
        assertThatThrownBy(() -> JsonInputs.fromJson(ones, Protocol.NUMPY, full)).isInstanceOf(OverloadedException.class);
        full.release();
        small.release(300_000);
        Reservation fits = new Reservation(small);
        fits.bodyRead(ones.length);
        Tensor t = (Tensor) JsonInputs.fromJson(ones, Protocol.NUMPY, fits);
        assertThat(t.size()).isEqualTo(100_000);
        assertThat(fits.held()).isBetween(400_000L, 400_000L + 64 * 1024);
        fits.release();
        assertThat(small.used()).isZero();
    }
}

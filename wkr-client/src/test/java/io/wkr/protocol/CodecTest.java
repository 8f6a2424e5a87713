package io.wkr.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.protocol.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class CodecTest {
    record Point(int x, int y) {}

    private static Map<String, Object> info(byte[] b) {
        return Json.parseObject(b);
    }

    @Test
    void shouldParseBothPyzmqJsonSpellings() {
        assertThat(Json.parseObject("{\"dtype\": \"float32\", \"shape\": [5, 5]}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(Json.parseObject("{\"dtype\":\"float32\",\"shape\":[5,5]}".getBytes(StandardCharsets.UTF_8)))
                .containsEntry("shape", List.of(5L, 5L));
        assertThat(Json.parse("\"{}\"")).isEqualTo("{}");
        assertThat(Json.parse("{\"a\": [1.5, true, null, \"x\\u0041\\n\"]}"))
                .isEqualTo(Map.of("a", java.util.Arrays.asList(1.5, true, null, "xA\n")));
    }

    @Test
    void shouldRejectBrokenOrHostileJson() {
        for (String bad : List.of("", "{", "{\"a\":}", "[1,]", "{\"a\":1}x", "nul", "\"\\q\"", "1e", "{\"a\" 1}")) {
            assertThatThrownBy(() -> Json.parse(bad)).as(bad).isInstanceOf(IllegalArgumentException.class);
        }
        assertThatThrownBy(() -> Json.parse("[".repeat(10_000))).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nested deeper");
    }

    @Test
    void shouldRoundTripJsonWriting() {
        Map<String, Object> m = new java.util.LinkedHashMap<>();
        m.put("s", "q\"uote\\");
        m.put("n", 3L);
        m.put("d", 2.5);
        m.put("l", List.of(1L, "two"));
        m.put("none", null);
        assertThat(Json.parse(Json.write(m))).isEqualTo(m);
    }

    @Test
    void shouldRoundTripTensorsThroughTheNumpyCodec() {
        Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
        PayloadCodec.Encoded e = NumpyCodec.INSTANCE.encode(t, 250);
        assertThat(new String(e.info(), StandardCharsets.US_ASCII))
                .isEqualTo("{\"dtype\":\"float32\",\"shape\":[2,3],\"timeout_ms\":250}");
        Tensor back = NumpyCodec.INSTANCE.decode(e.payload(), info(e.info()));
        assertThat(back).isEqualTo(t);
        assertThat(back.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(back.get(1).toFloatArray()).containsExactly(4, 5, 6);
        assertThat(Tensor.stack(List.of(back.get(0), back.get(1)))).isEqualTo(t);
        // little-endian on the wire: 1.0f is 00 00 80 3f
        assertThat(e.payload()).startsWith((byte) 0, (byte) 0, (byte) 0x80, (byte) 0x3f);
    }

    @Test
    void shouldRejectWhatNumpyCannotCarry() {
        assertThatThrownBy(() -> NumpyCodec.INSTANCE.encode("text", 0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Tensor.stack(List.of(Tensor.of(new float[2]), Tensor.of(new float[3]))))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NumpyCodec.INSTANCE.decode(new byte[4], Map.of("dtype", "float32", "shape", List.of(2.5))))
                .isInstanceOf(BadRequestException.class);
    }

    @Test
    void shouldRoundTripRegisteredObjectsThroughKryo() {
        KryoCodec codec = new KryoCodec(List.of(Point.class));
        List<Object> values = new ArrayList<>();
        values.add("hello");
        values.add("ünïcødé ✓");
        values.add(new String[] {"a", null, "c"});
        values.add(new Object[] {1, "b", List.of(2)});
        values.add(42);
        values.add(new float[] {1f, 2f});
        values.add(List.of(1, "a"));
        values.add(new HashMap<>(Map.of("k", List.of(new Point(1, 2)))));
        values.add(Tensor.of(new long[] {7L}));
        values.add(new Point(3, 4));
        for (Object v : values) {
            PayloadCodec.Encoded e = codec.encode(v, 0);
            Object back = codec.decode(e.payload(), info(e.info()));
            if (v instanceof float[] a) assertThat((float[]) back).containsExactly(a);
            else if (v instanceof Object[] a) assertThat((Object[]) back).containsExactly(a);
            else assertThat(back).isEqualTo(v);
        }
    }

    @Test
    void shouldRefuseUnregisteredClassesOnBothSides() {
        KryoCodec withPoint = new KryoCodec(List.of(Point.class));
        KryoCodec without = new KryoCodec(List.of());
        assertThatThrownBy(() -> without.encode(new Point(1, 2), 0)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("register it");
        PayloadCodec.Encoded e = withPoint.encode(new Point(1, 2), 0);
        assertThatThrownBy(() -> without.decode(e.payload(), info(e.info()))).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("unregistered");
        assertThatThrownBy(() -> without.encode(new java.util.Date(), 0)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldRefuseLengthBombsBeforeAllocating() {
        KryoCodec codec = new KryoCodec(List.of());
        Map<String, Object> kryo = Map.of("codec", "kryo");
        // ArrayList (id 29 -> 31 on the wire) claiming 2^28 elements
        assertThatThrownBy(() -> codec.decode(new byte[] {31, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, kryo))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("exceeds");
        // String (Kryo's id 1 -> 3 on the wire) and String[] (id 27 -> 29) claiming 2^28 characters / elements
        assertThatThrownBy(() -> codec.decode(new byte[] {3, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, kryo))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("exceeds");
        assertThatThrownBy(() -> codec.decode(new byte[] {29, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f}, kryo))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("exceeds");
        // a class named in the bytes (wire id 1 = "name follows") is refused before any look-up
        byte[] named = {1, (byte) 0x80 + 4, 'j', 'a', 'v', 'a'};
        assertThatThrownBy(() -> codec.decode(named, kryo)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("classes named in the payload are refused");
        // lists nested 200 000 deep
        byte[] deep = new byte[400_000];
        for (int i = 0; i < deep.length; i += 2) {
            deep[i] = 31;
            deep[i + 1] = 2;
        }
        assertThatThrownBy(() -> codec.decode(deep, kryo)).isInstanceOf(BadRequestException.class);
        // trailing bytes after a valid value
        PayloadCodec.Encoded e = codec.encode("x", 0);
        byte[] longer = java.util.Arrays.copyOf(e.payload(), e.payload().length + 3);
        assertThatThrownBy(() -> codec.decode(longer, kryo)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("trailing");
    }

    @Test
    void shouldMapErrorTextsToTypedExceptions() {
        assertThat(ErrorCode.parse(ErrorCode.OVERLOADED.format("queue full"))).isInstanceOf(OverloadedException.class)
                .hasMessage("queue full");
        assertThat(ErrorCode.parse("TIMEOUT: late".getBytes(StandardCharsets.UTF_8))).isInstanceOf(RequestTimeoutException.class);
        WKRException python = ErrorCode.parse("Traceback (most recent call last):\n  File ...: boom".getBytes(StandardCharsets.UTF_8));
        assertThat(python.code()).isEqualTo(ErrorCode.INTERNAL);
        assertThat(python).hasMessageStartingWith("Traceback");
        for (ErrorCode c : ErrorCode.values()) assertThat(ErrorCode.parse(c.format("m")).code()).isEqualTo(c);
    }

    @Test
    void shouldNameDtypesAsNumpyDoes() {
        assertThat(DType.fromNumpy("float32")).isEqualTo(DType.FLOAT32);
        assertThat(DType.fromNumpy("<i8")).isEqualTo(DType.INT64);
        assertThat(DType.fromNumpy("uint8").numpyName()).isEqualTo("uint8");
        assertThatThrownBy(() -> DType.fromNumpy("object")).isInstanceOf(BadRequestException.class);
    }
}

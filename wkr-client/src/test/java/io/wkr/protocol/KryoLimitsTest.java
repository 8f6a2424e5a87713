package io.wkr.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import java.io.ByteArrayOutputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What a hostile {@code obj} payload can make the decoder allocate, compute or wrap: bounded, refused, never. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class KryoLimitsTest {
    private static final Map<String, Object> KRYO = Map.of("codec", "kryo");
    // wire class ids: registration id + 2
    private static final int STRING = 3;
    private static final int INTEGER = 2;
    private static final int LONG = 9;
    private static final int DOUBLE = 10;
    private static final int BYTES = 22;
    private static final int OBJECTS = 30;
    private static final int LIST = 31;
    private static final int HASH_MAP = 32;
    private static final int TENSOR = 34;

    record Holder(Object value) {}

    private final KryoCodec codec = new KryoCodec(List.of(Holder.class));

    /** Adds up what a decode asks for, and refuses nothing. */
    static final class CountingBudget implements DecodeBudget {
        long charged;
        int calls;

        @Override
        public void charge(long bytes) {
            assertThat(bytes).isPositive();
            charged += bytes;
            calls++;
        }
    }

    /** Refuses once more than {@code limit} bytes were asked for, as the server's memory budget does. */
    static final class FullBudget implements DecodeBudget {
        final OverloadedException refusal = new OverloadedException("memory budget full");
        final long limit;
        long charged;

        FullBudget(long limit) {
            this.limit = limit;
        }

        @Override
        public void charge(long bytes) {
            if (charged + bytes > limit) throw refusal;
            charged += bytes;
        }
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) (v & 0x7f) | 0x80);
            v >>>= 7;
        }
        out.write((int) v);
    }

    /** The attack: a 14 MB {@code Object[]} of 7 million empty strings (about 200 MB decoded). */
    private static byte[] emptyStrings(int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(2 * n + 8);
        out.write(OBJECTS);
        varint(out, n + 1L);
        for (int i = 0; i < n; i++) {
            out.write(STRING);
            out.write(1); // length 0, + 1
        }
        return out.toByteArray();
    }

    @Test
    void shouldRefuseTheFourteenMegabyteArrayOfEmptyStringsWithinItsAllowance() {
        byte[] payload = emptyStrings(7_000_000);
        CountingBudget budget = new CountingBudget();

        assertThatThrownBy(() -> codec.decode(payload, KRYO, budget)).isInstanceOf(BadRequestException.class)
                .hasMessageStartingWith("obj protocol: a payload of " + payload.length + " bytes would decode to more than")
                .hasMessageContaining("expansionRatio");
        assertThat(budget.charged).isLessThanOrEqualTo(DecodeLimits.DEFAULT.allowance(payload.length));
        assertThat(budget.calls).as("the budget is asked in steps, not per element").isLessThan(10_000);
        assertThatThrownBy(() -> codec.decode(payload, KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("expansionRatio");
    }

    @Test
    void shouldLetTheBudgetsRefusalThroughUnchanged() {
        byte[] payload = emptyStrings(1_000_000);
        FullBudget budget = new FullBudget(1 << 20);
        assertThat(catchThrowable(() -> codec.decode(payload, KRYO, budget))).isSameAs(budget.refusal);
        assertThat(budget.charged).isLessThanOrEqualTo(1 << 20);

        // also from inside a user class, whose fields Kryo reads in a try block that wraps what they throw
        PayloadCodec.Encoded held = codec.encode(new Holder(new ArrayList<>(List.of("x".repeat(100_000)))), 0);
        FullBudget small = new FullBudget(10_000);
        assertThat(catchThrowable(() -> codec.decode(held.payload(), KRYO, small))).isSameAs(small.refusal);
    }

    @Test
    void shouldChargeWhatLegalValuesDecodeToAndStillDecodeThem() {
        List<Object> values = List.of("hello", new float[1000], new ArrayList<>(List.of(1, 2_000_000, "x")),
                new LinkedHashMap<>(Map.of("k", 5L, "l", 3.5)), Tensor.of(new long[] {7L, 8L}, 2), new Holder("h"),
                List.of(1, "a"), Map.of("a", 1), new Object[] {null, 'c', (short) 3, (byte) 4, true});
        for (Object v : values) {
            PayloadCodec.Encoded e = codec.encode(v, 0);
            CountingBudget budget = new CountingBudget();
            Object back = codec.decode(e.payload(), KRYO, budget);
            if (v instanceof float[] a) assertThat((float[]) back).containsExactly(a);
            else if (v instanceof Object[] a) assertThat((Object[]) back).containsExactly(a);
            else assertThat(back).isEqualTo(v);
            assertThat(budget.charged).as("charged for %s", v).isPositive()
                    .isLessThanOrEqualTo(DecodeLimits.DEFAULT.allowance(e.payload().length));
        }
        CountingBudget floats = new CountingBudget();
        codec.decode(codec.encode(new float[1000], 0).payload(), KRYO, floats);
        assertThat(floats.charged).isGreaterThanOrEqualTo(4000 + 16);
    }

    /** A map of {@code n} {@code ArrayList} keys [k, c - 31 k], which all have the hash code 961 + c, each mapped to null. */
    private static byte[] collidingListKeys(KryoCodec codec, int n) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(16 * n);
        out.write(HASH_MAP);
        varint(out, n + 1L);
        int c = 1_000_000;
        for (int k = 0; k < n; k++) {
            ArrayList<Object> key = new ArrayList<>(List.of(k, c - 31 * k));
            assertThat(key.hashCode()).isEqualTo(961 + c);
            out.writeBytes(codec.encode(key, 0).payload());
            out.write(0); // null value
        }
        return out.toByteArray();
    }

    @Test
    void shouldRefuseAMapOfCollidingKeysQuickly() {
        byte[] payload = collidingListKeys(codec, 70_000);
        assertThat(payload.length).isGreaterThan(650_000);
        // room enough in memory that the hash codes are what is refused
        DecodeLimits roomy = new DecodeLimits(64, 1 << 20, 1 << 24, 1 << 24, 64, 64, 16);
        KryoCodec generous = new KryoCodec(List.of(), roomy);
        // a safety net, not a speed assertion: these decodes used to take minutes
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> {
            assertThatThrownBy(() -> generous.decode(payload, KRYO)).isInstanceOf(BadRequestException.class)
                    .hasMessageStartingWith("obj protocol: more than DecodeLimits.maxSameHashKeys (16) keys of one map "
                            + "share the hash code 1000961");
            // with the default limits, these many small keys are too big for the payload already
            assertThatThrownBy(() -> codec.decode(payload, KRYO)).isInstanceOf(BadRequestException.class);
        });
    }

    @Test
    void shouldRefuseCollidingKeysOfMixedComparableTypesToo() {
        // Long and Double keys with the hash code 0: each type is Comparable, but not with the
        // other, so a HashMap bin holding both searches both subtrees
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(HASH_MAP);
        varint(out, 40 + 1);
        for (long a = 1; a <= 20; a++) {
            long bits = (a << 32) | a;
            assertThat(Long.hashCode(bits)).isZero();
            assertThat(Double.hashCode(Double.longBitsToDouble(bits))).isZero();
            out.writeBytes(codec.encode(bits, 0).payload());
            out.write(0);
            out.writeBytes(codec.encode(Double.longBitsToDouble(bits), 0).payload());
            out.write(0);
        }
        assertThatThrownBy(() -> codec.decode(out.toByteArray(), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("maxSameHashKeys");
    }

    @Test
    void shouldKeepMapsWithAFewCollisionsAndTheirOrder() {
        LinkedHashMap<Object, Object> m = new LinkedHashMap<>();
        for (long a = 1; a <= 15; a++) m.put((a << 32) | a, a);
        m.put(null, 0); // with the 15 above, 16 keys with hash code 0: at the limit
        m.put("Aa", 1);
        m.put("BB", 2); // "Aa" and "BB" share a hash code
        Object back = codec.decode(codec.encode(m, 0).payload(), KRYO);
        assertThat(back).isInstanceOf(LinkedHashMap.class).isEqualTo(m);
        assertThat(new ArrayList<Object>(((Map<?, ?>) back).keySet())).isEqualTo(new ArrayList<>(m.keySet()));
        assertThat(codec.decode(codec.encode(new HashMap<>(m), 0).payload(), KRYO)).isInstanceOf(HashMap.class).isEqualTo(m);
        assertThat(codec.decode(codec.encode(Map.copyOf(Map.of("a", 1, "b", 2)), 0).payload(), KRYO))
                .isEqualTo(Map.of("a", 1, "b", 2));
    }

    @Test
    void shouldRefuseVarintsThatWouldWrap() {
        // byte[] whose length + 1 is 2^32 + 2: Kryo keeps the low 32 bits and reads a length of 1
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        bytes.write(BYTES);
        varint(bytes, (1L << 32) + 2);
        bytes.write(5);
        assertThatThrownBy(() -> codec.decode(bytes.toByteArray(), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("out of range");
        // a class id of 2^32 + 3, which wraps to String's 3
        ByteArrayOutputStream id = new ByteArrayOutputStream();
        varint(id, (1L << 32) + STRING);
        id.writeBytes(new byte[] {2, 'x'});
        assertThatThrownBy(() -> codec.decode(id.toByteArray(), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("out of range");
        // an Integer whose zigzag varint has bits past 32
        ByteArrayOutputStream big = new ByteArrayOutputStream();
        big.write(INTEGER);
        varint(big, (1L << 33) + 4);
        assertThatThrownBy(() -> codec.decode(big.toByteArray(), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("out of range");
        // a HashMap size of 2^32 + 1 (wraps to an empty map) and an ArrayList's flagged size likewise
        ByteArrayOutputStream map = new ByteArrayOutputStream();
        map.write(HASH_MAP);
        varint(map, (1L << 32) + 1);
        assertThatThrownBy(() -> codec.decode(map.toByteArray(), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("out of range");
        byte[] list = {LIST, (byte) 0x41, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x20}; // 1 + 2^32 in 6+7+7+7+7 bits
        assertThatThrownBy(() -> codec.decode(list, KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("out of range");
    }

    private static byte[] nestedLists(int depth) {
        byte[] b = new byte[2 * depth + 1];
        for (int i = 0; i < depth; i++) {
            b[2 * i] = LIST;
            b[2 * i + 1] = 2; // not the same type, one element
        }
        b[2 * depth] = 0; // null in the innermost
        return b;
    }

    @Test
    void shouldRefuseNestingBeyondTheLimitByName() {
        assertThat(codec.decode(nestedLists(64), KRYO)).isInstanceOf(ArrayList.class);
        assertThatThrownBy(() -> codec.decode(nestedLists(65), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessage("obj protocol: values nested deeper than DecodeLimits.maxDepth (64) levels");
        assertThatThrownBy(() -> codec.decode(nestedLists(200_000), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("maxDepth");
        // and the codec's thread-local Kryo still works afterwards
        assertThat(codec.decode(codec.encode(List.of(List.of("x")), 0).payload(), KRYO)).isEqualTo(List.of(List.of("x")));
    }

    @Test
    void shouldApplyConfiguredElementAndStringLimits() {
        DecodeLimits tight = new DecodeLimits(8, 1 << 20, 10, 5, 64, 4, 16);
        KryoCodec strict = new KryoCodec(List.of(), tight);
        assertThatThrownBy(() -> strict.decode(strict.encode(new ArrayList<>(List.of(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11)), 0)
                .payload(), KRYO)).isInstanceOf(BadRequestException.class).hasMessageContaining("DecodeLimits.maxElements (10)");
        assertThatThrownBy(() -> strict.decode(strict.encode(new Object[11], 0).payload(), KRYO))
                .hasMessageContaining("maxElements");
        HashMap<Object, Object> eleven = new HashMap<>();
        for (int i = 0; i < 11; i++) eleven.put(i, i);
        assertThatThrownBy(() -> strict.decode(strict.encode(eleven, 0).payload(), KRYO)).hasMessageContaining("maxElements");
        assertThatThrownBy(() -> strict.decode(strict.encode("abcdef", 0).payload(), KRYO))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("DecodeLimits.maxStringBytes (5)");
        assertThatThrownBy(() -> strict.decode(strict.encode(Tensor.of(new float[1], 1, 1, 1, 1, 1), 0).payload(), KRYO))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("DecodeLimits.maxRank (4)");
        assertThat(strict.decode(strict.encode("abcde", 0).payload(), KRYO)).isEqualTo("abcde");
    }

    @Test
    void shouldCheckTensorHeadersBeforeCopyingTheirBytes() {
        // dtype ordinal 12 does not exist
        assertThatThrownBy(() -> codec.decode(new byte[] {TENSOR, 12, 1, 1, 1, 0}, KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("bad tensor dtype 12");
        // float32 [65536, 65536]: more than 2^31-1 elements
        ByteArrayOutputStream huge = new ByteArrayOutputStream();
        huge.write(TENSOR);
        huge.writeBytes(new byte[] {10, 2});
        varint(huge, 65536);
        varint(huge, 65536);
        varint(huge, 0);
        assertThatThrownBy(() -> codec.decode(huge.toByteArray(), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("more than 2^31-1 elements");
        // a dimension of 2^32 + 2, which would wrap to 2
        ByteArrayOutputStream wrapped = new ByteArrayOutputStream();
        wrapped.write(TENSOR);
        wrapped.writeBytes(new byte[] {2, 1});
        varint(wrapped, (1L << 32) + 2);
        wrapped.writeBytes(new byte[] {2, 7, 7});
        assertThatThrownBy(() -> codec.decode(wrapped.toByteArray(), KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("out of range");
        // shape [4] of uint8 with 2 bytes
        assertThatThrownBy(() -> codec.decode(new byte[] {TENSOR, 2, 1, 4, 2, 7, 7}, KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessage("obj protocol: tensor uint8 [4] needs 4 bytes, got 2");
    }

    @Test
    void shouldRefuseElementsOfTheWrongTypeInATypedArray() {
        // String[] (wire 29) holding an Integer
        assertThatThrownBy(() -> codec.decode(new byte[] {29, 2, INTEGER, 4}, KRYO)).isInstanceOf(BadRequestException.class)
                .hasMessageStartingWith("obj protocol: cannot decode payload");
    }

    @Test
    void shouldQuoteOnlyAPrefixOfAHugeInfo() {
        Map<String, Object> info = Map.of("codec", "x".repeat(1_000_000));
        assertThatThrownBy(() -> codec.decode(new byte[] {2, 4}, info)).isInstanceOf(BadRequestException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200).contains("chars)"));
    }

    @Test
    void shouldAccountLongAndDoubleValues() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(OBJECTS);
        varint(out, 3);
        out.writeBytes(codec.encode(1L << 40, 0).payload());
        out.writeBytes(codec.encode(2.5, 0).payload());
        CountingBudget budget = new CountingBudget();
        assertThat((Object[]) codec.decode(out.toByteArray(), KRYO, budget)).containsExactly(1L << 40, 2.5);
        assertThat(out.toByteArray()[2]).isEqualTo((byte) LONG);
        assertThat(out.toByteArray()[2 + codec.encode(1L << 40, 0).payload().length]).isEqualTo((byte) DOUBLE);
        assertThat(budget.charged).isGreaterThanOrEqualTo(HeapSizes.refArray(2) + 2 * HeapSizes.BOX);
    }
}

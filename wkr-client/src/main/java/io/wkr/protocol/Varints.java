package io.wkr.protocol;

import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.io.Input;

/**
 * Kryo's variable-length integers, read with range checks. Kryo's own readers keep only the low
 * 32 bits of a 5-byte varint, so a length of 2^32 + 3 reads as 3; these refuse it. They read the
 * {@link Input}'s buffer directly, which is the whole payload for every decode.
 */
final class Varints {
    private Varints() {}

    /** A varint written with {@code writeVarInt(v, true)} that must be from 0 to 2^31-1: a length, a count, an id. */
    static int readLength(Input in) {
        return checkLength(readUnsigned(in, 7, true));
    }

    /** A zigzag varint written with {@code writeVarInt(v, false)}: any int. */
    static int readInt(Input in) {
        long v = readUnsigned(in, 7, true);
        if (v > 0xffff_ffffL) throw new KryoException("int varint " + v + " out of range");
        int raw = (int) v;
        return (raw >>> 1) ^ -(raw & 1);
    }

    /** Checks, without consuming it, the length Kryo's map serializer reads next with {@code readVarInt(true)}. */
    static void peekLength(Input in) {
        checkLength(readUnsigned(in, 7, false));
    }

    /**
     * Checks, without consuming it, the length Kryo's collection serializer reads next with {@code
     * readVarIntFlag(true)}: 6 bits in the first byte (bit 8 is a flag, bit 7 says more follow),
     * then 7 bits per byte.
     */
    static void peekFlaggedLength(Input in) {
        checkLength(readUnsigned(in, 6, false));
    }

    private static int checkLength(long v) {
        if (v > Integer.MAX_VALUE) throw new KryoException("length " + v + " out of range");
        return (int) v;
    }

    /** Reads at most 5 bytes; the first carries {@code firstBits} bits (7, or 6 after a flag bit). */
    private static long readUnsigned(Input in, int firstBits, boolean consume) {
        byte[] b = in.getBuffer();
        int p = in.position();
        int limit = in.limit();
        if (p >= limit) throw new KryoException("Buffer underflow.");
        int x = b[p++];
        long v = x & ((1 << firstBits) - 1);
        boolean more = (x & (1 << firstBits)) != 0;
        int shift = firstBits;
        for (int n = 1; more; n++) {
            if (n == 5) throw new KryoException("varint longer than 5 bytes");
            if (p >= limit) throw new KryoException("Buffer underflow.");
            x = b[p++];
            v |= (long) (x & 0x7f) << shift;
            more = (x & 0x80) != 0;
            shift += 7;
        }
        if (consume) in.setPosition(p);
        return v;
    }
}

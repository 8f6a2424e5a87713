package io.wkr.protocol;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * Estimated heap sizes of what decoders allocate, as a 64-bit HotSpot JVM lays objects out
 * (16-byte headers, 8-byte alignment). They are estimates for budgets, not measurements: they
 * err on the large side except for references, which are 4 bytes below a 32 GiB heap (where the
 * JVM compresses them by default) and 8 above.
 */
final class HeapSizes {
    /** Bytes of one reference. */
    static final int REF = Runtime.getRuntime().maxMemory() < (32L << 30) ? 4 : 8;
    /** Header of an object or array. */
    static final int HEADER = 16;
    /** A boxed number, character or an object with one small field. */
    static final int BOX = 16;
    /** A {@code String} object without its characters. */
    static final int STRING = 24;
    /** An {@code ArrayList} object without its element array. */
    static final int ARRAY_LIST = 24;
    /** A {@code HashMap} or {@code LinkedHashMap} object without its table and entries. */
    static final int HASH_MAP = 56;
    /** One {@code HashMap} entry (a node of a bin turned into a tree is bigger: 56 bytes). */
    static final int MAP_ENTRY = 32;
    /** One {@code LinkedHashMap} entry. */
    static final int LINKED_MAP_ENTRY = 40;
    /** The read-only wrapper of {@code Collections.unmodifiableList/Map}. */
    static final int WRAPPER = 24;
    /** A {@link Tensor} object without its shape and data. */
    static final int TENSOR = 24;

    private HeapSizes() {}

    /** An array of {@code length} elements of {@code elementBytes} each. */
    static long array(long length, int elementBytes) {
        return align(HEADER + length * elementBytes);
    }

    /** An array of {@code length} references. */
    static long refArray(long length) {
        return array(length, REF);
    }

    /**
     * A string decoded from {@code utf8Bytes} bytes of UTF-8: Latin-1 strings take a byte per
     * character, others two, and a character takes at least one UTF-8 byte.
     */
    static long string(int utf8Bytes, boolean ascii) {
        if (utf8Bytes == 0) return STRING;
        return STRING + array(utf8Bytes, ascii ? 1 : 2);
    }

    /**
     * A {@code HashMap} (or {@code LinkedHashMap} when {@code ordered}) of {@code entries}
     * entries: the object, its table (load factor 0.75) and its entries.
     */
    static long hashMap(int entries, boolean ordered) {
        long table = Long.highestOneBit(Math.max(1, entries * 4L / 3 + 1) * 2 - 1);
        return HASH_MAP + refArray(table) + entries * (long) (ordered ? LINKED_MAP_ENTRY : MAP_ENTRY);
    }

    /** An instance of {@code type}: its header and fields, without what the fields point to. */
    static long instance(Class<?> type) {
        long size = HEADER;
        for (Class<?> c = type; c != null && c != Object.class; c = c.getSuperclass()) {
            for (Field f : c.getDeclaredFields()) {
                if (!Modifier.isStatic(f.getModifiers())) size += fieldBytes(f.getType());
            }
        }
        return align(size);
    }

    private static int fieldBytes(Class<?> t) {
        if (t == long.class || t == double.class) return 8;
        if (t == int.class || t == float.class) return 4;
        if (t == short.class || t == char.class) return 2;
        if (t == byte.class || t == boolean.class) return 1;
        return REF;
    }

    private static long align(long bytes) {
        return (bytes + 7) & ~7L;
    }
}

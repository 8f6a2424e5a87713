package io.wkr.protocol;

import java.util.AbstractMap;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The entries of a map being decoded, kept in arrays (nothing is hashed) until all are read; then
 * {@link #toMap} checks the keys' hash codes and only then builds the real map.
 *
 * <p>Why: a {@code HashMap} whose keys share one hash code costs time quadratic in their number
 * when those keys are not mutually comparable ({@code ArrayList}s, records, or a mix of {@code
 * Long} and {@code Double}): a 651 KB payload of colliding {@code ArrayList} keys took minutes of
 * a worker thread. Sorting the hash codes costs O(n log n) whatever they are, and with at most
 * {@link DecodeLimits#maxSameHashKeys()} keys per hash code a hash map stays O(log n) per key.
 *
 * <p>It is a {@link Map} only so that Kryo's map serializer can fill it; it supports nothing but
 * {@code put} and {@code size}.
 */
final class MapEntries extends AbstractMap<Object, Object> {
    private final boolean ordered;
    private final Object[] keys;
    private final Object[] values;
    private int size;

    /**
     * Charges its own arrays, the hash codes sorted later and the map built from them.
     *
     * @param ordered build a {@code LinkedHashMap} rather than a {@code HashMap}
     */
    MapEntries(int capacity, boolean ordered, DecodeMeter meter) {
        meter.charge(2 * HeapSizes.refArray(capacity) + HeapSizes.array(capacity, 4) + HeapSizes.hashMap(capacity, ordered));
        this.ordered = ordered;
        keys = new Object[capacity];
        values = new Object[capacity];
    }

    @Override
    public Object put(Object key, Object value) {
        keys[size] = key;
        values[size] = value;
        size++;
        return null;
    }

    @Override
    public int size() {
        return size;
    }

    @Override
    public Set<Entry<Object, Object>> entrySet() {
        throw new UnsupportedOperationException("only a buffer for decoding");
    }

    /**
     * The entries as a {@code LinkedHashMap} when ordered, else a {@code HashMap}; later keys
     * replace equal earlier ones, as {@code put} does.
     *
     * @throws BadRequestException when more than {@code maxSameHashKeys} keys share a hash code
     */
    Map<Object, Object> toMap(DecodeMeter meter) {
        checkCollisions(meter);
        int capacity = (int) Math.min(Integer.MAX_VALUE, size * 4L / 3 + 1);
        Map<Object, Object> m = ordered ? new LinkedHashMap<>(capacity) : new HashMap<>(capacity);
        for (int i = 0; i < size; i++) m.put(keys[i], values[i]);
        return m;
    }

    private void checkCollisions(DecodeMeter meter) {
        int limit = meter.limits().maxSameHashKeys();
        if (size <= limit) return;
        int[] hashes = new int[size];
        for (int i = 0; i < size; i++) hashes[i] = keys[i] == null ? 0 : keys[i].hashCode();
        Arrays.sort(hashes);
        int run = 1;
        for (int i = 1; i < size; i++) {
            run = hashes[i] == hashes[i - 1] ? run + 1 : 1;
            if (run > limit) {
                throw meter.refuse("more than DecodeLimits.maxSameHashKeys (" + limit + ") keys of one map share the "
                        + "hash code " + hashes[i] + "; colliding keys would make the map quadratic to build");
            }
        }
    }
}

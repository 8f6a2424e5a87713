package io.wkr.server.status;

import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code predict} calls since start ({@code batches}).
 *
 * @param count {@code predict} calls
 * @param items inputs passed to them
 * @param meanSize {@code items / count}, 0 before the first batch
 * @param sizes batch size to the number of batches of that size, only sizes that occurred, in
 *     ascending order (on the wire the sizes are strings: {@code {"1": 12, "4": 3}})
 */
public record Batches(long count, long items, double meanSize, Map<Integer, Long> sizes) {

    public Batches {
        sizes = Collections.unmodifiableSortedMap(new TreeMap<>(sizes));
    }
}

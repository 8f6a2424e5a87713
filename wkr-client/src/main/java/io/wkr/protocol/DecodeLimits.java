package io.wkr.protocol;

/**
 * What one payload may make a {@link PayloadCodec} allocate. Every limit is checked before the
 * allocation it guards, and breaking one is a {@link BadRequestException} whose message names the
 * limit (for example {@code DecodeLimits.maxDepth}). These are per payload; the server's memory
 * budget across requests is the {@link DecodeBudget} passed to {@link PayloadCodec#decode(byte[],
 * java.util.Map, DecodeBudget)}.
 *
 * <p>The defaults ({@link #DEFAULT}) fit the server's default {@code -max_request_bytes} of 16 MiB:
 *
 * <table>
 *   <caption>Defaults</caption>
 *   <tr><th>limit</th><th>default</th><th>what it bounds</th></tr>
 *   <tr><td>{@code expansionRatio}, {@code floorBytes}</td><td>12, 1 MiB</td><td>the estimated heap
 *       size of everything one decode allocates: at most {@code expansionRatio × payload bytes +
 *       floorBytes}. Primitive arrays, tensors and text take 1 to 2 ×, lists of words or numbers
 *       4 to 8 ×, a {@code Map<String, Integer>} about 10 ×; lists of one- or two-letter strings
 *       or of empty strings (14 ×), and maps of small numbers take more and are refused past the
 *       floor</td></tr>
 *   <tr><td>{@code maxElements}</td><td>2^24</td><td>elements of one {@code Object[]}, {@code
 *       String[]}, list or map ({@code obj})</td></tr>
 *   <tr><td>{@code maxStringBytes}</td><td>16 MiB</td><td>UTF-8 bytes of one string ({@code
 *       obj})</td></tr>
 *   <tr><td>{@code maxDepth}</td><td>64</td><td>nesting of values inside values ({@code obj})</td></tr>
 *   <tr><td>{@code maxRank}</td><td>64</td><td>dimensions of a tensor (numpy's own limit)</td></tr>
 *   <tr><td>{@code maxSameHashKeys}</td><td>16</td><td>keys of one map that share a {@code
 *       hashCode()}: colliding keys are what makes a hash map quadratic, so more is refused</td></tr>
 * </table>
 *
 * <p>The {@code obj} limits bind Python pickles ({@link PickleCodec}) as they bind Kryo: there the
 * pickle's memo and its reader's stack count as collections, a value the pickle refers to again
 * is charged as if copied, and a compressed pickle's allowance is computed on its inflated size.
 *
 * <p>Sizes are estimated as a 64-bit HotSpot JVM lays objects out: 16-byte object and array
 * headers, 4-byte references below a 32 GiB heap (8 above), a {@code String} 24 bytes plus its
 * characters, a boxed {@code Long} 16 bytes (none for the cached values -128 to 127).
 *
 * @param expansionRatio decoded bytes allowed per payload byte, above {@code floorBytes}
 * @param floorBytes decoded bytes every payload may use, however small
 * @param maxElements most elements of one object array, collection or map
 * @param maxStringBytes most UTF-8 bytes of one string
 * @param maxDepth most levels of values nested in values
 * @param maxRank most dimensions of one tensor
 * @param maxSameHashKeys most keys of one map with the same hash code
 */
public record DecodeLimits(
        int expansionRatio,
        long floorBytes,
        int maxElements,
        int maxStringBytes,
        int maxDepth,
        int maxRank,
        int maxSameHashKeys) {

    /** The defaults listed above. */
    public static final DecodeLimits DEFAULT = new DecodeLimits(12, 1 << 20, 1 << 24, 16 << 20, 64, 64, 16);

    public DecodeLimits {
        positive("expansionRatio", expansionRatio);
        positive("floorBytes", floorBytes);
        positive("maxElements", maxElements);
        positive("maxStringBytes", maxStringBytes);
        positive("maxDepth", maxDepth);
        positive("maxRank", maxRank);
        positive("maxSameHashKeys", maxSameHashKeys);
    }

    private static void positive(String name, long v) {
        if (v <= 0) throw new IllegalArgumentException(name + " must be positive, got " + v);
    }

    /** The most bytes decoding a payload of {@code payloadBytes} may allocate (saturating). */
    public long allowance(int payloadBytes) {
        long r = (long) expansionRatio * Math.max(0, payloadBytes); // < 2^62
        return r > Long.MAX_VALUE - floorBytes ? Long.MAX_VALUE : r + floorBytes;
    }
}

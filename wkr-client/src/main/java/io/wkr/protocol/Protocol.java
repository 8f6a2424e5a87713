package io.wkr.protocol;

import java.util.Locale;

/** The payload protocol a server speaks, chosen per server with {@code -protocol}. */
public enum Protocol {
    /**
     * Raw little-endian array bytes plus {@code {"dtype": ..., "shape": [...]}}; wire-compatible
     * with the original Python client's {@code protocol='numpy'}. Inputs and outputs are {@link
     * Tensor}s.
     */
    NUMPY,
    /**
     * Java objects serialised with Kryo, restricted to registered classes, for Java clients; and
     * the original Python client's pickles, read by a restricted reader that runs nothing ({@link
     * ObjCodec}). Never Java serialization.
     */
    OBJ;

    /** The name used on the command line and in status replies: {@code numpy} or {@code obj}. */
    public String wireName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses {@code numpy} or {@code obj}, ignoring case. */
    public static Protocol parse(String name) {
        for (Protocol p : values()) {
            if (p.wireName().equalsIgnoreCase(name.strip())) return p;
        }
        throw new IllegalArgumentException("unknown protocol '" + name + "': use numpy or obj");
    }
}

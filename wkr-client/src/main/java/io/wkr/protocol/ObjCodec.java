package io.wkr.protocol;

import java.util.List;
import java.util.Map;

/**
 * The {@code obj} protocol as a server speaks it: Kryo for Java clients, Python pickles for the
 * original Python client, told apart per message by the info frame. Info {@code {"codec":"kryo"}}
 * is read by {@link KryoCodec}; info with a {@code protocol} key and no {@code codec} key (the
 * Python client's {@code {"protocol": -1, "compress": 0}}) by {@link PickleCodec}. Replies go back
 * in the form the request came in ({@link #encodeReply}). Values this codec encodes on its own
 * ({@link #encode}) are Kryo.
 */
public final class ObjCodec implements PayloadCodec {
    private final KryoCodec kryo;
    private final PickleCodec pickle;

    /**
     * @param maxInflatedBytes the most bytes a compressed pickle may inflate to ({@code
     *     -max_request_bytes})
     */
    public ObjCodec(List<Class<?>> objClasses, DecodeLimits limits, int maxInflatedBytes) {
        this.kryo = new KryoCodec(objClasses, limits);
        this.pickle = new PickleCodec(limits, maxInflatedBytes);
    }

    @Override
    public Protocol protocol() {
        return Protocol.OBJ;
    }

    @Override
    public Object decode(byte[] payload, Map<String, Object> info, DecodeBudget budget) {
        return PickleCodec.isPickleInfo(info) ? pickle.decode(payload, info, budget) : kryo.decode(payload, info, budget);
    }

    /** Kryo. */
    @Override
    public Encoded encode(Object value, long timeoutMillis) {
        return kryo.encode(value, timeoutMillis);
    }

    /** A pickle when the request was one, else Kryo. */
    @Override
    public Encoded encodeReply(Object value, Map<String, Object> requestInfo) {
        return PickleCodec.isPickleInfo(requestInfo) ? pickle.encode(value, 0) : kryo.encode(value, 0);
    }
}

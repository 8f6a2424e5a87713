package io.wkr.protocol;

import java.util.List;
import java.util.Map;

/**
 * The {@code numpy} protocol: frame 2 is a C-contiguous array's little-endian bytes, frame 3 is
 * {@code {"dtype":"float32","shape":[5,5]}}. Byte-compatible with the original Python client.
 * Values are {@link Tensor}s; {@code float[]}, {@code double[]}, {@code int[]} and {@code long[]}
 * are accepted as 1-d outputs too.
 */
public final class NumpyCodec implements PayloadCodec {
    /** The codec with {@link DecodeLimits#DEFAULT}. */
    public static final NumpyCodec INSTANCE = new NumpyCodec(DecodeLimits.DEFAULT);

    private static final String PROTOCOL = "numpy protocol";

    private final DecodeLimits limits;

    private NumpyCodec(DecodeLimits limits) {
        this.limits = limits;
    }

    /** A codec with other limits than {@link #INSTANCE}'s; only {@code maxRank} applies to numpy. */
    public static NumpyCodec withLimits(DecodeLimits limits) {
        return limits.equals(DecodeLimits.DEFAULT) ? INSTANCE : new NumpyCodec(limits);
    }

    @Override
    public Protocol protocol() {
        return Protocol.NUMPY;
    }

    @Override
    public Tensor decode(byte[] payload, Map<String, Object> info) {
        return decode(payload, info, DecodeBudget.UNLIMITED);
    }

    /**
     * Wraps the payload (it is not copied) in a tensor of the info's dtype and shape. The shape
     * must hold integers from 0 to 2^31-1 ({@code 5.0}, {@code 1e3} or {@code 4294967298} are
     * refused, never rounded or wrapped), at most {@code maxRank} of them, whose product is at
     * most 2^31-1 and matches the payload's size.
     */
    @Override
    public Tensor decode(byte[] payload, Map<String, Object> info, DecodeBudget budget) {
        Object dtype = info.get("dtype");
        if (!(dtype instanceof String name)) {
            throw new BadRequestException(PROTOCOL + ": info needs a string 'dtype', got " + Wire.preview(String.valueOf(info)));
        }
        Object shape = info.get("shape");
        if (!(shape instanceof List<?> dims)) {
            throw new BadRequestException(PROTOCOL + ": info needs a list 'shape', got " + Wire.preview(String.valueOf(info)));
        }
        DType type = DType.fromNumpy(name);
        DecodeMeter meter = new DecodeMeter(limits, budget, PROTOCOL, payload.length);
        meter.rank(dims.size());
        meter.charge(HeapSizes.TENSOR + 2 * HeapSizes.array(dims.size(), 4));
        int[] s = new int[dims.size()];
        for (int k = 0; k < s.length; k++) s[k] = dimension(dims.get(k), dims);
        return Tensor.wrap(type, s, payload);
    }

    private static int dimension(Object d, List<?> dims) {
        if ((d instanceof Long || d instanceof Integer) && ((Number) d).longValue() >= 0
                && ((Number) d).longValue() <= Integer.MAX_VALUE) {
            return ((Number) d).intValue();
        }
        throw new BadRequestException(PROTOCOL + ": shape " + Wire.preview(String.valueOf(dims))
                + " must hold integers from 0 to 2147483647, got " + Wire.preview(String.valueOf(d)));
    }

    @Override
    public Encoded encode(Object value, long timeoutMillis) {
        Tensor t = toTensor(value);
        StringBuilder b = new StringBuilder(48);
        b.append("{\"dtype\":\"").append(t.dtype().numpyName()).append("\",\"shape\":[");
        int[] shape = t.shape();
        for (int k = 0; k < shape.length; k++) {
            if (k > 0) b.append(',');
            b.append(shape[k]);
        }
        b.append(']');
        if (timeoutMillis > 0) b.append(",\"").append(Wire.INFO_TIMEOUT_MS).append("\":").append(timeoutMillis);
        b.append('}');
        return new Encoded(t.bytes(), Wire.ascii(b.toString()));
    }

    private static Tensor toTensor(Object value) {
        if (value instanceof Tensor t) return t;
        if (value instanceof float[] a) return Tensor.of(a);
        if (value instanceof double[] a) return Tensor.of(a);
        if (value instanceof int[] a) return Tensor.of(a);
        if (value instanceof long[] a) return Tensor.of(a);
        throw new IllegalArgumentException("the numpy protocol carries Tensor (or float[], double[], int[], long[]), not "
                + (value == null ? "null" : value.getClass().getName()));
    }
}

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
    public static final NumpyCodec INSTANCE = new NumpyCodec();

    private NumpyCodec() {}

    @Override
    public Protocol protocol() {
        return Protocol.NUMPY;
    }

    @Override
    public Tensor decode(byte[] payload, Map<String, Object> info) {
        Object dtype = info.get("dtype");
        if (!(dtype instanceof String name)) {
            throw new BadRequestException("numpy protocol: info needs a string 'dtype', got " + info);
        }
        Object shape = info.get("shape");
        if (!(shape instanceof List<?> dims)) {
            throw new BadRequestException("numpy protocol: info needs a list 'shape', got " + info);
        }
        int[] s = new int[dims.size()];
        for (int k = 0; k < s.length; k++) {
            Object d = dims.get(k);
            if (!(d instanceof Long l) || l < 0 || l > Integer.MAX_VALUE) {
                throw new BadRequestException("numpy protocol: shape " + dims + " must hold non-negative integers");
            }
            s[k] = (int) (long) l;
        }
        return Tensor.wrap(DType.fromNumpy(name), s, payload);
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

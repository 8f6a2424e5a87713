package io.wkr.server.http;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Converts between JSON values (as Jackson reads them: maps, lists, strings, numbers, booleans)
 * and worker inputs and outputs. With the {@code numpy} protocol an input is a tensor, written as
 * {@code {"dtype": "float32", "shape": [2, 2], "data": [1, 2, 3, 4]}} or as nested arrays (read
 * as float32); with {@code obj} it is passed to the worker as the JSON value itself.
 */
final class JsonValues {
    private JsonValues() {}

    /** A worker input from a parsed JSON body. */
    static Object toInput(Object json, Protocol protocol) {
        if (json == null) throw new BadRequestException("the request body is JSON null; send a value");
        if (protocol == Protocol.OBJ) return json;
        if (json instanceof Map<?, ?> m) return tensorFromObject(m);
        if (json instanceof List<?> l) return tensorFromNested(l, DType.FLOAT32);
        throw new BadRequestException("this server speaks the numpy protocol: send a tensor as "
                + "{\"dtype\": \"float32\", \"shape\": [...], \"data\": [...]} or as nested numeric arrays");
    }

    /** A worker input from an uploaded file: the bytes themselves, or a uint8 tensor of them. */
    static Object fileInput(byte[] bytes, Protocol protocol) {
        return protocol == Protocol.OBJ ? bytes : Tensor.ofUint8(bytes);
    }

    private static Tensor tensorFromObject(Map<?, ?> m) {
        Object data = m.get("data");
        if (!(data instanceof List<?> list)) throw new BadRequestException("a tensor needs a 'data' array");
        DType dtype = m.get("dtype") == null ? DType.FLOAT32 : DType.fromNumpy(String.valueOf(m.get("dtype")));
        Tensor nested = tensorFromNested(list, dtype);
        Object shape = m.get("shape");
        if (shape == null) return nested;
        if (!(shape instanceof List<?> dims)) throw new BadRequestException("'shape' must be an array of integers");
        int[] s = new int[dims.size()];
        for (int i = 0; i < s.length; i++) {
            if (!(dims.get(i) instanceof Number n) || n.doubleValue() != Math.rint(n.doubleValue()) || n.intValue() < 0) {
                throw new BadRequestException("'shape' must hold non-negative integers, got " + dims);
            }
            s[i] = n.intValue();
        }
        return Tensor.wrap(dtype, s, nested.bytes());
    }

    private static Tensor tensorFromNested(List<?> list, DType dtype) {
        List<Integer> shape = new ArrayList<>();
        List<Number> flat = new ArrayList<>();
        flatten(list, 0, shape, flat);
        ByteBuffer b = ByteBuffer.allocate(Math.multiplyExact(flat.size(), dtype.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        for (Number n : flat) put(b, dtype, n);
        return Tensor.wrap(dtype, shape.stream().mapToInt(Integer::intValue).toArray(), b.array());
    }

    private static void flatten(List<?> list, int depth, List<Integer> shape, List<Number> flat) {
        if (depth > 32) throw new BadRequestException("tensor nested deeper than 32 dimensions");
        if (shape.size() == depth) shape.add(list.size());
        else if (shape.get(depth) != list.size()) throw new BadRequestException("ragged array: dimension " + depth
                + " has lengths " + shape.get(depth) + " and " + list.size());
        for (Object o : list) {
            if (o instanceof List<?> inner) {
                flatten(inner, depth + 1, shape, flat);
            } else if (o instanceof Number n) {
                if (shape.size() != depth + 1) throw new BadRequestException("ragged array at dimension " + depth);
                flat.add(n);
            } else if (o instanceof Boolean bo) {
                flat.add(bo ? 1 : 0);
            } else {
                throw new BadRequestException("tensor data must be numbers, got " + (o == null ? "null" : "'" + o + "'"));
            }
        }
    }

    private static void put(ByteBuffer b, DType t, Number n) {
        switch (t) {
            case FLOAT32 -> b.putFloat(n.floatValue());
            case FLOAT64 -> b.putDouble(n.doubleValue());
            case INT8, UINT8, BOOL -> b.put((byte) n.longValue());
            case INT16, UINT16 -> b.putShort((short) n.longValue());
            case INT32, UINT32 -> b.putInt((int) n.longValue());
            case INT64, UINT64 -> b.putLong(n.longValue());
            case FLOAT16 -> throw new BadRequestException("float16 tensors cannot be sent as JSON; use float32");
        }
    }

    /** A worker output as something Jackson can write. */
    static Object toJson(Object output) {
        if (output instanceof Tensor t) return tensorJson(t);
        if (output instanceof byte[] bytes) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("content_type", sniff(bytes));
            m.put("base64", Base64.getEncoder().encodeToString(bytes));
            return m;
        }
        return output;
    }

    private static Map<String, Object> tensorJson(Tensor t) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("dtype", t.dtype().numpyName());
        m.put("shape", t.shape());
        ByteBuffer b = t.buffer();
        List<Number> data = new ArrayList<>(t.size());
        for (int i = 0; i < t.size(); i++) {
            data.add(switch (t.dtype()) {
                case FLOAT32 -> b.getFloat();
                case FLOAT64 -> b.getDouble();
                case INT8 -> b.get();
                case UINT8, BOOL -> b.get() & 0xff;
                case INT16 -> b.getShort();
                case UINT16 -> b.getShort() & 0xffff;
                case INT32 -> b.getInt();
                case UINT32 -> b.getInt() & 0xffffffffL;
                case INT64, UINT64 -> b.getLong();
                case FLOAT16 -> Half.toFloat(b.getShort());
            });
        }
        m.put("data", data);
        return m;
    }

    /** The content type of common image formats, from their magic bytes. */
    static String sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "image/png";
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) return "image/jpeg";
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') return "image/gif";
        return "application/octet-stream";
    }

    /** Float16 decoding for Java 17 (Float.float16ToFloat arrived in 20). */
    private static final class Half {
        static float toFloat(short h) {
            int bits = h & 0xffff;
            int sign = (bits >>> 15) << 31;
            int exp = (bits >>> 10) & 0x1f;
            int mant = bits & 0x3ff;
            if (exp == 0x1f) return java.lang.Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
            if (exp == 0) {
                if (mant == 0) return java.lang.Float.intBitsToFloat(sign);
                float v = mant / 1024f * (float) Math.pow(2, -14);
                return sign == 0 ? v : -v;
            }
            return java.lang.Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
        }
    }
}

package io.wkr.decentral.redis;

import com.fasterxml.jackson.databind.JsonNode;
import io.wkr.decentral.internal.JsonDocuments;
import io.wkr.protocol.DType;
import io.wkr.protocol.Tensor;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How job payloads and results are kept in Redis (documented in {@code docs/decentral.md}).
 *
 * <p>A job is a stream entry with the fields {@code type} and {@code data}: {@code bytes} (raw
 * bytes; the server gets a {@code byte[]}), {@code text} (UTF-8; a {@code String}), {@code json}
 * (UTF-8 JSON; the parsed value: {@code Map}, {@code List}, {@code String}, {@code Long}, {@code
 * Double}, {@code Boolean} or {@code null}) or {@code tensor} (raw little-endian array bytes plus
 * {@code dtype} and {@code shape} fields; a {@link Tensor}, what the {@code numpy} protocol
 * carries).
 *
 * <p>A result is one Redis string: a one-line JSON header ({@link ResultHeader}), a newline, then
 * the data bytes encoded by the same four types. The header holds {@code status} ({@code done} or
 * {@code failed}), {@code type}, {@code dtype}/{@code shape} for tensors, {@code error} for
 * failures, and where and when it was made ({@code server}, {@code consumer}, {@code deliveries},
 * {@code finished_ms}).
 *
 * <p>JSON is written and read with {@link JsonDocuments}: JSON payloads within 64 MiB and 4 Mi
 * values, shapes within 64 KiB; whatever does not decode is a {@link BadPayload}.
 */
final class Payloads {
    static final String TYPE = "type";
    static final String DATA = "data";
    static final String DTYPE = "dtype";
    static final String SHAPE = "shape";
    static final String SUBMITTED = "submitted_ms";

    private Payloads() {}

    /** A payload that cannot become a job, or a stored job that cannot be decoded. */
    static final class BadPayload extends IllegalArgumentException {
        BadPayload(String message) {
            super(message);
        }
    }

    /**
     * The type and data of {@code value}: what a stream entry or a result holds.
     *
     * @param dtype a tensor's element type, else {@code null}
     * @param shape a tensor's shape, else {@code null}; a stream entry keeps it as JSON text ({@code [2,3]})
     */
    record Encoded(String type, byte[] data, String dtype, List<Integer> shape) {
        /** The fields of a job's stream entry, in this order. */
        Map<String, byte[]> fields() {
            Map<String, byte[]> m = new LinkedHashMap<>();
            m.put(TYPE, ascii(type));
            m.put(DATA, data);
            if (dtype != null) {
                m.put(DTYPE, ascii(dtype));
                m.put(SHAPE, JsonDocuments.write(shape));
            }
            return m;
        }
    }

    /**
     * Encodes a payload or result.
     *
     * @throws BadPayload when {@code value} is none of the four types
     */
    static Encoded encode(Object value) {
        if (value instanceof byte[] b) return new Encoded("bytes", b, null, null);
        if (value instanceof String s) return new Encoded("text", s.getBytes(StandardCharsets.UTF_8), null, null);
        if (value instanceof Tensor t) {
            return new Encoded("tensor", t.bytes(), t.dtype().numpyName(), Arrays.stream(t.shape()).boxed().toList());
        }
        if (!jsonable(value, 0)) {
            throw new BadPayload("cannot store a " + (value == null ? "null" : value.getClass().getName())
                    + ": use byte[], String, io.wkr.protocol.Tensor, or a JSON value (Map with String keys, List, "
                    + "Number, Boolean, null)");
        }
        return new Encoded("json", JsonDocuments.write(value), null, null);
    }

    /**
     * Decodes what {@link #encode} produced.
     *
     * @param shape a tensor's shape, else {@code null}
     * @throws BadPayload when the fields are missing or do not decode
     */
    static Object decode(String type, byte[] data, String dtype, List<Integer> shape) {
        if (type == null || data == null) throw new BadPayload("the job has no '" + TYPE + "' or '" + DATA + "' field");
        try {
            return switch (type) {
                case "bytes" -> data;
                case "text" -> new String(data, StandardCharsets.UTF_8);
                case "json" -> JsonDocuments.readValue(data, JsonDocuments.LARGE);
                case "tensor" -> Tensor.wrap(DType.fromNumpy(String.valueOf(dtype)), dims(shape), data);
                default -> throw new BadPayload("unknown payload type '" + type + "' (bytes, text, json or tensor)");
            };
        } catch (BadPayload e) {
            throw e;
        } catch (RuntimeException e) {
            throw new BadPayload("cannot decode a '" + type + "' payload: " + e.getMessage());
        }
    }

    /** Decodes the fields of a job's stream entry. */
    static Object decode(Map<String, byte[]> fields) {
        byte[] shape = fields.get(SHAPE);
        List<Integer> dims = shape == null ? null : shape(shape);
        return decode(text(fields.get(TYPE)), fields.get(DATA), text(fields.get(DTYPE)), dims);
    }

    /** The shape field of a stream entry: a JSON list of sizes. */
    private static List<Integer> shape(byte[] json) {
        JsonNode v;
        try {
            v = JsonDocuments.readTree(json, JsonDocuments.SMALL);
        } catch (IllegalArgumentException e) {
            throw new BadPayload("shape is not JSON: " + e.getMessage());
        }
        if (!v.isArray()) throw new BadPayload("shape is not a JSON list: " + text(json));
        List<Integer> out = new ArrayList<>(v.size());
        for (JsonNode d : v) {
            if (!d.isIntegralNumber() || !d.canConvertToInt()) throw new BadPayload("bad shape " + text(json));
            out.add(d.intValue());
        }
        return out;
    }

    private static int[] dims(List<Integer> shape) {
        if (shape == null) throw new BadPayload("a tensor needs a shape");
        int[] out = new int[shape.size()];
        for (int i = 0; i < out.length; i++) {
            Integer d = shape.get(i);
            if (d == null || d < 0) throw new BadPayload("bad shape " + shape);
            out[i] = d;
        }
        return out;
    }

    /** True when {@link JsonDocuments#write} writes {@code v} faithfully, as JSON that reads back the same. */
    static boolean jsonable(Object v, int depth) {
        if (depth > 64) return false;
        if (v == null || v instanceof String || v instanceof Boolean) return true;
        if (v instanceof Double d) return !d.isNaN() && !d.isInfinite();
        if (v instanceof Float f) return !f.isNaN() && !f.isInfinite();
        if (v instanceof Number) return v instanceof Long || v instanceof Integer || v instanceof Short
                || v instanceof Byte || v instanceof java.math.BigInteger || v instanceof java.math.BigDecimal;
        if (v instanceof int[] || v instanceof long[]) return true;
        if (v instanceof double[] a) return Arrays.stream(a).allMatch(Double::isFinite);
        if (v instanceof float[] a) {
            for (float f : a) if (!Float.isFinite(f)) return false;
            return true;
        }
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!(e.getKey() instanceof String) || !jsonable(e.getValue(), depth + 1)) return false;
            }
            return true;
        }
        if (v instanceof Collection<?> c) {
            for (Object o : c) if (!jsonable(o, depth + 1)) return false;
            return true;
        }
        if (v instanceof Object[] a) {
            for (Object o : a) if (!jsonable(o, depth + 1)) return false;
            return true;
        }
        return false;
    }

    /** A stored result: header line, newline, data. */
    static byte[] result(ResultHeader header, byte[] data) {
        byte[] h = JsonDocuments.write(header);
        byte[] out = new byte[h.length + 1 + data.length];
        System.arraycopy(h, 0, out, 0, h.length);
        out[h.length] = '\n';
        System.arraycopy(data, 0, out, h.length + 1, data.length);
        return out;
    }

    /**
     * The header of a stored result.
     *
     * @throws BadPayload when there is no header line or it is not a header
     */
    static ResultHeader header(byte[] stored) {
        int nl = indexOf(stored, (byte) '\n');
        if (nl < 0) throw new BadPayload("a stored result has no header line");
        try {
            return JsonDocuments.read(Arrays.copyOfRange(stored, 0, nl), JsonDocuments.LARGE, ResultHeader.class);
        } catch (IllegalArgumentException e) {
            throw new BadPayload("a stored result's header is malformed: " + e.getMessage());
        }
    }

    /** The data of a stored result. */
    static byte[] body(byte[] stored) {
        int nl = indexOf(stored, (byte) '\n');
        return nl < 0 ? new byte[0] : Arrays.copyOfRange(stored, nl + 1, stored.length);
    }

    private static int indexOf(byte[] b, byte v) {
        for (int i = 0; i < b.length; i++) if (b[i] == v) return i;
        return -1;
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static String text(byte[] b) {
        return b == null ? null : new String(b, StandardCharsets.UTF_8);
    }
}

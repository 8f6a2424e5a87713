package io.wkr.server.internal.oip;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.Wire;
import io.wkr.protocol.internal.Half;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * Open Inference Protocol tensors: datatype names ({@code FP32}, {@code BYTES} ...) and the
 * conversion of a tensor's {@code data} (JSON values, or the binary tensor extension's raw bytes)
 * into a wkr {@link Tensor}, with range checks: nothing is wrapped, clamped or silently rounded
 * to an integer. Every error names the field it is about ({@code inputs[0].shape}).
 */
public final class OipTensors {
    /** The datatype of {@code BYTES}: no wkr dtype holds it. */
    public static final String BYTES = "BYTES";
    /** The most dimensions a tensor may have. */
    public static final int MAX_DIMS = 32;
    /** How much of a bad value an error message quotes. */
    public static final int QUOTE = 40;
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);

    private OipTensors() {}

    /** The wkr dtype of an OIP datatype, or null for {@code BYTES}. */
    public static DType dtype(String datatype, String field) {
        return switch (datatype) {
            case "BOOL" -> DType.BOOL;
            case "UINT8" -> DType.UINT8;
            case "UINT16" -> DType.UINT16;
            case "UINT32" -> DType.UINT32;
            case "UINT64" -> DType.UINT64;
            case "INT8" -> DType.INT8;
            case "INT16" -> DType.INT16;
            case "INT32" -> DType.INT32;
            case "INT64" -> DType.INT64;
            case "FP16" -> DType.FLOAT16;
            case "FP32" -> DType.FLOAT32;
            case "FP64" -> DType.FLOAT64;
            case BYTES -> null;
            default -> throw new BadRequestException(field + " '" + quote(datatype, QUOTE)
                    + "' is not a datatype: use BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32,"
                    + " FP64 or BYTES");
        };
    }

    /** The OIP datatype of a wkr dtype. */
    public static String datatype(DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> "FP16";
            case FLOAT32 -> "FP32";
            case FLOAT64 -> "FP64";
            default -> dtype.name().toUpperCase(Locale.ROOT);
        };
    }

    /** A shape: a list of non-negative integers (at most {@link #MAX_DIMS}). */
    public static int[] shape(Object value, String field) {
        if (!(value instanceof List<?> list)) throw new BadRequestException(field + " is missing or not a list of dimensions");
        if (list.size() > MAX_DIMS) {
            throw new BadRequestException(field + " has " + list.size() + " dimensions; at most " + MAX_DIMS);
        }
        int[] shape = new int[list.size()];
        for (int i = 0; i < shape.length; i++) {
            Object d = list.get(i);
            if (!(d instanceof Integer n) || n < 0) {
                throw new BadRequestException(field + "[" + i + "] must be an integer >= 0, got " + d);
            }
            shape[i] = n;
        }
        return shape;
    }

    /** The number of elements of a shape; fails past what one tensor can hold. */
    public static long elements(int[] shape, String field) {
        long n = 1;
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE) throw new BadRequestException(field + " " + Arrays.toString(shape) + " is too large");
        }
        return n;
    }

    /** The values of {@code data}, flattened in row-major order (nested lists are allowed). */
    public static List<Object> flatten(Object data, String field) {
        if (!(data instanceof List<?> list)) throw new BadRequestException(field + " is missing or not a list");
        List<Object> out = new ArrayList<>(list.size());
        flatten(list, out, 0, field);
        return out;
    }

    private static void flatten(List<?> list, List<Object> out, int depth, String field) {
        for (Object o : list) {
            if (o instanceof List<?> inner) {
                if (depth >= MAX_DIMS) throw new BadRequestException(field + " is nested too deep");
                flatten(inner, out, depth + 1, field);
            } else {
                out.add(o);
            }
        }
    }

    /** A tensor of {@code dtype} and {@code shape} over JSON values (as many as the shape holds). */
    public static Tensor fromJson(DType dtype, int[] shape, List<Object> values, String field) {
        byte[] bytes = new byte[Math.multiplyExact(values.size(), dtype.byteSize())];
        ByteBuffer out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < values.size(); i++) put(out, dtype, values.get(i), field + "[" + i + "]");
        return Tensor.wrap(dtype, shape, bytes);
    }

    /** A tensor of {@code dtype} and {@code shape} over raw little-endian bytes (binary tensor extension). */
    public static Tensor fromBinary(DType dtype, int[] shape, byte[] raw, String field) {
        long expected = elements(shape, field) * dtype.byteSize();
        if (raw.length != expected) {
            throw new BadRequestException(field + " is " + raw.length + " bytes but a " + datatype(dtype) + " tensor of shape "
                    + Arrays.toString(shape) + " takes " + expected);
        }
        return Tensor.wrap(dtype, shape, raw);
    }

    /** BYTES elements (byte arrays) from raw contents: each a 4-byte little-endian length, then its bytes. */
    public static List<Object> bytesElements(byte[] raw, long count, String field) {
        ByteBuffer b = ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN);
        List<Object> out = new ArrayList<>();
        while (b.hasRemaining()) {
            if (b.remaining() < 4) throw new BadRequestException(field + ": a BYTES element's 4-byte length is cut short");
            int n = b.getInt();
            if (n < 0 || n > b.remaining()) {
                throw new BadRequestException(field + ": a BYTES element of " + Integer.toUnsignedString(n)
                        + " bytes runs past the tensor's data");
            }
            out.add(Arrays.copyOfRange(raw, b.position(), b.position() + n));
            b.position(b.position() + n);
        }
        if (out.size() != count) {
            throw new BadRequestException(field + " holds " + out.size() + " BYTES elements but the shape holds " + count);
        }
        return out;
    }

    private static void put(ByteBuffer out, DType dtype, Object v, String field) {
        switch (dtype) {
            case FLOAT32 -> out.putFloat((float) finite(v, field, Float.MAX_VALUE));
            case FLOAT64 -> out.putDouble(finite(v, field, Double.MAX_VALUE));
            case FLOAT16 -> out.putShort(Half.fromFloat((float) finite(v, field, 65504)));
            case BOOL -> out.put((byte) integral(v, field, 0, 1));
            case INT8 -> out.put((byte) integral(v, field, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT8 -> out.put((byte) integral(v, field, 0, 0xff));
            case INT16 -> out.putShort((short) integral(v, field, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT16 -> out.putShort((short) integral(v, field, 0, 0xffff));
            case INT32 -> out.putInt((int) integral(v, field, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT32 -> out.putInt((int) integral(v, field, 0, 0xffff_ffffL));
            case INT64 -> out.putLong(integral(v, field, Long.MIN_VALUE, Long.MAX_VALUE));
            case UINT64 -> out.putLong(exact(v, field, BigInteger.ZERO, UINT64_MAX).longValue());
        }
    }

    private static double finite(Object v, String field, double max) {
        if (!(v instanceof Number n)) throw new BadRequestException(field + " must be a number, got " + describe(v));
        double d = n.doubleValue();
        if (!Double.isFinite(d) || Math.abs(d) > max) throw new BadRequestException(field + " " + v + " is out of range");
        return d;
    }

    private static long integral(Object v, String field, long min, long max) {
        return exact(v, field, BigInteger.valueOf(min), BigInteger.valueOf(max)).longValue();
    }

    private static BigInteger exact(Object v, String field, BigInteger min, BigInteger max) {
        BigInteger i;
        if (v instanceof Boolean b) {
            i = b ? BigInteger.ONE : BigInteger.ZERO;
        } else if (v instanceof Integer || v instanceof Long) {
            i = BigInteger.valueOf(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            i = b;
        } else if (v instanceof Double d && Double.isFinite(d) && d == Math.rint(d)) {
            i = new BigDecimal(d).toBigIntegerExact();
        } else {
            throw new BadRequestException(field + " must be an integer, got " + describe(v));
        }
        if (i.compareTo(min) < 0 || i.compareTo(max) > 0) {
            throw new BadRequestException(field + " " + i + " is out of range [" + min + ", " + max + "]");
        }
        return i;
    }

    /** A BYTES element as text (UTF-8): a string stays itself, bytes are decoded. */
    public static String text(Object element) {
        return element instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(element);
    }

    /** A BYTES element as bytes: a string in UTF-8. */
    public static byte[] bytes(Object element) {
        return element instanceof byte[] b ? b : String.valueOf(element).getBytes(StandardCharsets.UTF_8);
    }

    /** BYTES elements as raw contents: each a 4-byte little-endian length, then its bytes. */
    public static byte[] rawBytes(List<?> elements) {
        int size = 0;
        List<byte[]> all = new ArrayList<>(elements.size());
        for (Object e : elements) {
            byte[] b = bytes(e);
            all.add(b);
            size = Math.addExact(size, 4 + b.length);
        }
        ByteBuffer out = ByteBuffer.allocate(size).order(ByteOrder.LITTLE_ENDIAN);
        for (byte[] b : all) out.putInt(b.length).put(b);
        return out.array();
    }

    /** A value for an error message, cut to {@code max} characters. */
    public static String quote(String s, int max) {
        return Wire.preview(String.valueOf(s), max);
    }

    private static String describe(Object v) {
        return v instanceof String s ? "'" + quote(s, QUOTE) + "'" : String.valueOf(v);
    }
}

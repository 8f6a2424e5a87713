package io.wkr.protocol;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes Java values as a protocol 3 pickle that any Python 3's {@code pickle.loads} reads, naming
 * only {@code builtins.bytearray}, {@code builtins.set} and {@code numpy.ndarray}: the mirror
 * image of {@link PickleReader}. A {@link Tensor} (and a primitive array) becomes {@code
 * numpy.ndarray(shape, '<f4', bytearray(data))}, a writable array, whatever numpy the reader has.
 *
 * <p>Shared values are written once per reference (no memo), so a value that contains itself is
 * refused once it is nested {@link #MAX_DEPTH} deep.
 */
final class PickleEncoder {
    /** Deepest nesting written; a deeper value is refused (it is most likely a cycle). */
    static final int MAX_DEPTH = 1000;
    private static final int BATCH = 1000;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);

    static byte[] encode(Object value) {
        PickleEncoder e = new PickleEncoder();
        e.out.write(0x80);
        e.out.write(3);
        e.write(value, 0);
        e.out.write('.');
        return e.out.toByteArray();
    }

    private void write(Object v, int depth) {
        if (depth > MAX_DEPTH) throw new IllegalArgumentException("pickle: values nested deeper than " + MAX_DEPTH + " levels (a cycle?)");
        if (v == null) {
            out.write('N');
        } else if (v instanceof Boolean b) {
            out.write(b ? 0x88 : 0x89);
        } else if (v instanceof Long || v instanceof Integer || v instanceof Short || v instanceof Byte) {
            writeInt(((Number) v).longValue());
        } else if (v instanceof BigInteger b) {
            writeBig(b);
        } else if (v instanceof Double || v instanceof Float) {
            out.write('G');
            long bits = Double.doubleToRawLongBits(((Number) v).doubleValue());
            for (int i = 7; i >= 0; i--) out.write((int) (bits >>> (8 * i)));
        } else if (v instanceof String || v instanceof Character) {
            byte[] b = v.toString().getBytes(StandardCharsets.UTF_8);
            out.write('X');
            len32(b.length);
            out.writeBytes(b);
        } else if (v instanceof byte[] b) {
            writeBytes(b);
        } else if (v instanceof Tensor t) {
            writeTensor(t);
        } else if (v instanceof float[] a) {
            writeTensor(Tensor.of(a));
        } else if (v instanceof double[] a) {
            writeTensor(Tensor.of(a));
        } else if (v instanceof int[] a) {
            writeTensor(Tensor.of(a));
        } else if (v instanceof long[] a) {
            writeTensor(Tensor.of(a));
        } else if (v instanceof Object[] tuple && !(v instanceof String[])) {
            if (tuple.length == 0) {
                out.write(')');
                return;
            }
            out.write('(');
            for (Object o : tuple) write(o, depth + 1);
            out.write('t');
        } else if (v instanceof String[] a) {
            writeList(List.of((Object[]) a), depth);
        } else if (v instanceof List<?> list) {
            writeList(list, depth);
        } else if (v instanceof Set<?> set) {
            global("builtins", "set");
            writeList(set, depth);
            out.write(0x85); // TUPLE1
            out.write('R');
        } else if (v instanceof Map<?, ?> map) {
            out.write('}');
            int n = 0;
            for (Map.Entry<?, ?> e : map.entrySet()) {
                if (n % BATCH == 0) {
                    if (n > 0) out.write('u');
                    out.write('(');
                }
                write(e.getKey() instanceof List<?> l ? l.toArray() : e.getKey(), depth + 1); // a list key as a tuple
                write(e.getValue(), depth + 1);
                n++;
            }
            if (n > 0) out.write('u');
        } else {
            throw new IllegalArgumentException("pickle: cannot write " + v.getClass().getName()
                    + " (None, bool, int, float, str, bytes, list, tuple (Object[]), dict, set and numpy arrays (Tensor) can)");
        }
    }

    private void writeList(Collection<?> items, int depth) {
        out.write(']');
        int n = 0;
        for (Object o : items) {
            if (n % BATCH == 0) {
                if (n > 0) out.write('e');
                out.write('(');
            }
            write(o, depth + 1);
            n++;
        }
        if (n > 0) out.write('e');
    }

    private void writeInt(long v) {
        if (v >= Integer.MIN_VALUE && v <= Integer.MAX_VALUE) {
            out.write('J');
            len32((int) v);
        } else {
            writeBig(BigInteger.valueOf(v));
        }
    }

    private void writeBig(BigInteger b) {
        if (b.bitLength() < 32) {
            writeInt(b.longValue());
            return;
        }
        byte[] be = b.toByteArray(); // big-endian two's complement, minimal
        if (be.length < 256) {
            out.write(0x8a); // LONG1
            out.write(be.length);
        } else {
            out.write(0x8b); // LONG4
            len32(be.length);
        }
        for (int i = be.length - 1; i >= 0; i--) out.write(be[i]);
    }

    private void writeBytes(byte[] b) {
        if (b.length < 256) {
            out.write('C'); // SHORT_BINBYTES
            out.write(b.length);
        } else {
            out.write('B'); // BINBYTES
            len32(b.length);
        }
        out.writeBytes(b);
    }

    private void writeTensor(Tensor t) {
        // numpy.ndarray(shape, dtype, bytearray(data))
        global("numpy", "ndarray");
        out.write('(');
        int[] shape = t.shape();
        out.write('(');
        for (int d : shape) writeInt(d);
        out.write('t');
        String dtype = typeCode(t.dtype());
        out.write('X');
        len32(dtype.length());
        out.writeBytes(dtype.getBytes(StandardCharsets.US_ASCII));
        global("builtins", "bytearray");
        writeBytes(t.bytes());
        out.write(0x85); // TUPLE1
        out.write('R');
        out.write('t');
        out.write('R');
    }

    /** numpy's type string with an explicit byte order: Tensor data is little-endian. */
    static String typeCode(DType t) {
        return switch (t) {
            case BOOL -> "|b1";
            case INT8 -> "|i1";
            case UINT8 -> "|u1";
            case INT16 -> "<i2";
            case UINT16 -> "<u2";
            case INT32 -> "<i4";
            case UINT32 -> "<u4";
            case INT64 -> "<i8";
            case UINT64 -> "<u8";
            case FLOAT16 -> "<f2";
            case FLOAT32 -> "<f4";
            case FLOAT64 -> "<f8";
        };
    }

    private void global(String module, String name) {
        out.write('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
    }

    private void len32(int n) {
        out.write(n);
        out.write(n >>> 8);
        out.write(n >>> 16);
        out.write(n >>> 24);
    }
}

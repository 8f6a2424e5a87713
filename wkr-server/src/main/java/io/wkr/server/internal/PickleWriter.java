package io.wkr.server.internal;

import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.Map;

/**
 * Writes a Python pickle (protocol 2) of plain data: dict, list, str, int, float, bool and None.
 * Enough for the {@code SHOW_CONFIG} reply the original Python client unpickles; it can express
 * no object construction at all. wkr only writes pickles, it never reads one. Not API.
 */
public final class PickleWriter {
    private static final int PROTO = 0x80;
    private static final int STOP = '.';
    private static final int MARK = '(';
    private static final int EMPTY_DICT = '}';
    private static final int SETITEMS = 'u';
    private static final int EMPTY_LIST = ']';
    private static final int APPENDS = 'e';
    private static final int BINUNICODE = 'X';
    private static final int BININT = 'J';
    private static final int LONG1 = 0x8a;
    private static final int BINFLOAT = 'G';
    private static final int NONE = 'N';
    private static final int NEWTRUE = 0x88;
    private static final int NEWFALSE = 0x89;

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);

    private PickleWriter() {}

    /** Pickles {@code value}; other types than the ones above are written as their string. */
    public static byte[] dumps(Object value) {
        PickleWriter w = new PickleWriter();
        w.out.write(PROTO);
        w.out.write(2);
        w.write(value);
        w.out.write(STOP);
        return w.out.toByteArray();
    }

    private void write(Object v) {
        if (v == null) {
            out.write(NONE);
        } else if (v instanceof Boolean b) {
            out.write(b ? NEWTRUE : NEWFALSE);
        } else if (v instanceof Integer || v instanceof Long || v instanceof Short || v instanceof Byte) {
            writeInt(((Number) v).longValue());
        } else if (v instanceof Number n) {
            out.write(BINFLOAT);
            long bits = Double.doubleToLongBits(n.doubleValue());
            for (int k = 7; k >= 0; k--) out.write((int) (bits >>> (8 * k)));
        } else if (v instanceof Map<?, ?> m) {
            out.write(EMPTY_DICT);
            if (m.isEmpty()) return;
            out.write(MARK);
            for (Map.Entry<?, ?> e : m.entrySet()) {
                write(String.valueOf(e.getKey()));
                write(e.getValue());
            }
            out.write(SETITEMS);
        } else if (v instanceof Collection<?> c) {
            out.write(EMPTY_LIST);
            if (c.isEmpty()) return;
            out.write(MARK);
            for (Object o : c) write(o);
            out.write(APPENDS);
        } else {
            byte[] s = v.toString().getBytes(StandardCharsets.UTF_8);
            out.write(BINUNICODE);
            writeLe32(s.length);
            out.write(s, 0, s.length);
        }
    }

    private void writeInt(long n) {
        if (n >= Integer.MIN_VALUE && n <= Integer.MAX_VALUE) {
            out.write(BININT);
            writeLe32((int) n);
            return;
        }
        byte[] be = BigInteger.valueOf(n).toByteArray();
        out.write(LONG1);
        out.write(be.length);
        for (int k = be.length - 1; k >= 0; k--) out.write(be[k]);
    }

    private void writeLe32(int n) {
        out.write(n);
        out.write(n >>> 8);
        out.write(n >>> 16);
        out.write(n >>> 24);
    }
}

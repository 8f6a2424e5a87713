package io.wkr.server.internal;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * Writes a JSON tree as a Python pickle (protocol 2) of plain data: an object becomes a dict, an
 * array a list, a string a str, an integral number an int, any other number a float, a boolean
 * a bool and null None. So the pickle holds exactly the JSON document's keys, values and number
 * types. Enough for the {@code SHOW_CONFIG} reply the original Python client unpickles; it can
 * express no object construction at all. wkr only writes pickles, it never reads one. Not API.
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

    private final ByteArrayOutputStream out = new ByteArrayOutputStream(4096);

    private PickleWriter() {}

    /**
     * Pickles {@code value}.
     *
     * @throws IllegalArgumentException for a node that is not plain JSON (binary or POJO nodes), or
     *     an integer too large for {@code LONG1}
     */
    public static byte[] dumps(JsonNode value) {
        PickleWriter w = new PickleWriter();
        w.out.write(PROTO);
        w.out.write(2);
        w.write(value);
        w.out.write(STOP);
        return w.out.toByteArray();
    }

    private void write(JsonNode v) {
        switch (v.getNodeType()) {
            case NULL, MISSING -> out.write(NONE);
            case BOOLEAN -> out.write(v.booleanValue() ? NEWTRUE : NEWFALSE);
            case NUMBER -> {
                if (v.isIntegralNumber()) writeInt(v.bigIntegerValue());
                else writeFloat(v.doubleValue());
            }
            case STRING -> writeString(v.textValue());
            case OBJECT -> {
                out.write(EMPTY_DICT);
                if (v.isEmpty()) return;
                out.write(MARK);
                for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> e = it.next();
                    writeString(e.getKey());
                    write(e.getValue());
                }
                out.write(SETITEMS);
            }
            case ARRAY -> {
                out.write(EMPTY_LIST);
                if (v.isEmpty()) return;
                out.write(MARK);
                for (JsonNode item : v) write(item);
                out.write(APPENDS);
            }
            default -> throw new IllegalArgumentException("not plain JSON: a " + v.getNodeType() + " node");
        }
    }

    private void writeInt(BigInteger n) {
        if (n.bitLength() < 32) {
            out.write(BININT);
            writeLe32(n.intValue());
            return;
        }
        byte[] be = n.toByteArray(); // two's complement, big-endian; LONG1 wants it little-endian
        if (be.length > 255) {
            throw new IllegalArgumentException("integer too large for LONG1: " + n.bitLength() + " bits");
        }
        out.write(LONG1);
        out.write(be.length);
        for (int k = be.length - 1; k >= 0; k--) out.write(be[k]);
    }

    private void writeFloat(double d) {
        out.write(BINFLOAT);
        long bits = Double.doubleToLongBits(d);
        for (int k = 7; k >= 0; k--) out.write((int) (bits >>> (8 * k)));
    }

    private void writeString(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        out.write(BINUNICODE);
        writeLe32(b.length);
        out.write(b, 0, b.length);
    }

    private void writeLe32(int n) {
        out.write(n);
        out.write(n >>> 8);
        out.write(n >>> 16);
        out.write(n >>> 24);
    }
}

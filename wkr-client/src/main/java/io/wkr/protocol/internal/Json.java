package io.wkr.protocol.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict-enough JSON reader and writer for the wire's {@code info} frames and status
 * replies. Reads objects as {@link LinkedHashMap}, arrays as {@link ArrayList}, integers as
 * {@link Long}, other numbers as {@link Double}. Accepts any whitespace, so both pyzmq spellings
 * ({@code {"a":1}} and {@code {"a": 1}}) parse. Not API.
 */
public final class Json {
    private static final int MAX_DEPTH = 64;

    private final String s;
    private int i;

    private Json(String s) {
        this.s = s;
    }

    /** Parses one JSON value; throws {@link IllegalArgumentException} saying where it failed. */
    public static Object parse(byte[] utf8) {
        return parse(new String(utf8, StandardCharsets.UTF_8));
    }

    public static Object parse(String text) {
        Json p = new Json(text);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.i != p.s.length()) throw p.fail("trailing characters");
        return v;
    }

    /** Parses a JSON object; anything else is an {@link IllegalArgumentException}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(byte[] utf8) {
        Object v = parse(utf8);
        if (!(v instanceof Map)) throw new IllegalArgumentException("expected a JSON object");
        return (Map<String, Object>) v;
    }

    private Object value(int depth) {
        if (depth > MAX_DEPTH) throw fail("nested deeper than " + MAX_DEPTH);
        if (i >= s.length()) throw fail("unexpected end");
        char c = s.charAt(i);
        switch (c) {
            case '{': return object(depth);
            case '[': return array(depth);
            case '"': return string();
            case 't': return literal("true", Boolean.TRUE);
            case 'f': return literal("false", Boolean.FALSE);
            case 'n': return literal("null", null);
            default:
                if (c == '-' || (c >= '0' && c <= '9')) return number();
                throw fail("unexpected character '" + c + "'");
        }
    }

    private Map<String, Object> object(int depth) {
        Map<String, Object> m = new LinkedHashMap<>();
        i++;
        skipWs();
        if (peek() == '}') {
            i++;
            return m;
        }
        while (true) {
            skipWs();
            if (peek() != '"') throw fail("expected a key");
            String k = string();
            skipWs();
            expect(':');
            skipWs();
            m.put(k, value(depth + 1));
            skipWs();
            char c = next();
            if (c == '}') return m;
            if (c != ',') throw fail("expected ',' or '}'");
        }
    }

    private List<Object> array(int depth) {
        List<Object> a = new ArrayList<>();
        i++;
        skipWs();
        if (peek() == ']') {
            i++;
            return a;
        }
        while (true) {
            skipWs();
            a.add(value(depth + 1));
            skipWs();
            char c = next();
            if (c == ']') return a;
            if (c != ',') throw fail("expected ',' or ']'");
        }
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            char c = next();
            if (c == '"') return b.toString();
            if (c == '\\') {
                char e = next();
                switch (e) {
                    case '"', '\\', '/' -> b.append(e);
                    case 'b' -> b.append('\b');
                    case 'f' -> b.append('\f');
                    case 'n' -> b.append('\n');
                    case 'r' -> b.append('\r');
                    case 't' -> b.append('\t');
                    case 'u' -> {
                        if (i + 4 > s.length()) throw fail("bad \\u escape");
                        try {
                            b.append((char) Integer.parseInt(s.substring(i, i + 4), 16));
                        } catch (NumberFormatException ex) {
                            throw fail("bad \\u escape");
                        }
                        i += 4;
                    }
                    default -> throw fail("bad escape '\\" + e + "'");
                }
            } else {
                if (c < 0x20) throw fail("control character in string");
                b.append(c);
            }
        }
    }

    private Object number() {
        int start = i;
        boolean integral = true;
        if (peek() == '-') i++;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c >= '0' && c <= '9') {
                i++;
            } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                integral = false;
                i++;
            } else {
                break;
            }
        }
        String t = s.substring(start, i);
        try {
            if (integral && t.length() < 19) return Long.parseLong(t);
            return Double.parseDouble(t);
        } catch (NumberFormatException e) {
            i = start;
            throw fail("bad number '" + t + "'");
        }
    }

    private Object literal(String word, Object v) {
        if (!s.startsWith(word, i)) throw fail("unexpected literal");
        i += word.length();
        return v;
    }

    private void skipWs() {
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r') break;
            i++;
        }
    }

    private char peek() {
        return i < s.length() ? s.charAt(i) : '\0';
    }

    private char next() {
        if (i >= s.length()) throw fail("unexpected end");
        return s.charAt(i++);
    }

    private void expect(char c) {
        if (next() != c) {
            i--;
            throw fail("expected '" + c + "'");
        }
    }

    private IllegalArgumentException fail(String what) {
        return new IllegalArgumentException("invalid JSON at offset " + i + ": " + what);
    }

    // ----------------------------------------------------------------------------- writing

    /** Writes maps, collections, arrays of primitives, strings, numbers, booleans and null. */
    public static String write(Object v) {
        StringBuilder b = new StringBuilder(64);
        write(b, v);
        return b.toString();
    }

    public static byte[] writeBytes(Object v) {
        return write(v).getBytes(StandardCharsets.UTF_8);
    }

    private static void write(StringBuilder b, Object v) {
        if (v == null) {
            b.append("null");
        } else if (v instanceof String str) {
            quote(b, str);
        } else if (v instanceof Double d) {
            b.append(d.isNaN() || d.isInfinite() ? "null" : d.toString());
        } else if (v instanceof Float f) {
            b.append(f.isNaN() || f.isInfinite() ? "null" : f.toString());
        } else if (v instanceof Number || v instanceof Boolean) {
            b.append(v);
        } else if (v instanceof Map<?, ?> m) {
            b.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) b.append(',');
                first = false;
                quote(b, String.valueOf(e.getKey()));
                b.append(':');
                write(b, e.getValue());
            }
            b.append('}');
        } else if (v instanceof Collection<?> c) {
            b.append('[');
            boolean first = true;
            for (Object o : c) {
                if (!first) b.append(',');
                first = false;
                write(b, o);
            }
            b.append(']');
        } else if (v instanceof int[] a) {
            b.append('[');
            for (int k = 0; k < a.length; k++) b.append(k == 0 ? "" : ",").append(a[k]);
            b.append(']');
        } else if (v instanceof long[] a) {
            b.append('[');
            for (int k = 0; k < a.length; k++) b.append(k == 0 ? "" : ",").append(a[k]);
            b.append(']');
        } else if (v instanceof double[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (double d : a) l.add(d);
            write(b, l);
        } else if (v instanceof float[] a) {
            List<Object> l = new ArrayList<>(a.length);
            for (float f : a) l.add(f);
            write(b, l);
        } else if (v instanceof Object[] a) {
            write(b, List.of(a));
        } else {
            quote(b, v.toString());
        }
    }

    private static void quote(StringBuilder b, String s) {
        b.append('"');
        for (int k = 0; k < s.length(); k++) {
            char c = s.charAt(k);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        b.append('"');
    }
}

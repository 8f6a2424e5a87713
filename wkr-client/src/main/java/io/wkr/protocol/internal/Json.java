package io.wkr.protocol.internal;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader and writer for the wire's {@code info} frames and status replies,
 * kept so that {@code wkr-client} needs no JSON library. {@code JsonJacksonTest} checks it against
 * Jackson on the same documents. Stateless and thread-safe. Not API.
 *
 * <p><b>Reading</b> follows RFC 8259's grammar (no trailing text, no {@code NaN} or {@code
 * Infinity}, no leading zeros, no comments), accepts any JSON whitespace, so both pyzmq spellings
 * ({@code {"a":1}} and {@code {"a": 1}}) parse, and stays within {@link Limits}. Values come back
 * as:
 *
 * <ul>
 *   <li>an object: a {@link LinkedHashMap} in document order (a repeated key keeps its last
 *       value); an array: an {@link ArrayList}; a string: a {@link String}; {@code true} and
 *       {@code false}: a {@link Boolean}; {@code null}: {@code null};
 *   <li>a number written without a fraction or an exponent ({@code 0}, {@code -12}) that fits in a
 *       {@code long}: a {@link Long} ({@code -0} is {@code 0L}), never an {@code Integer};
 *   <li>every other number: a {@link Double}, the nearest to the text. That is a number with a
 *       fraction or an exponent, even a whole one ({@code 2.0}, {@code 1e3}), and a whole number
 *       beyond a {@code long}, which may lose digits; beyond the double range it is infinite.
 * </ul>
 *
 * <p>So a caller that needs an integer accepts a {@code Long} and refuses a {@code Double} (never
 * rounding {@code 5.0} or {@code 1e3}); a caller that needs any number takes {@link Number}.
 * Jackson reads the same values except that it gives {@code Integer} for whole numbers that fit
 * an {@code int} and {@code BigInteger} beyond a {@code long}.
 *
 * <p><b>Writing</b> (see {@link #write}) produces compact JSON that reads back to the same values,
 * by this reader or Jackson's, except for non-finite numbers, which JSON cannot carry: a NaN or
 * infinite {@code double} or {@code float} is written as {@code null} (Jackson writes the string
 * {@code "NaN"} instead).
 */
public final class Json {
    /**
     * What one parse may read.
     *
     * @param maxBytes most bytes (or characters) of the whole text
     * @param maxStringChars most characters of one string or key
     * @param maxValues most values in the whole text (each element, member value and key counts)
     * @param maxDepth most levels of arrays and objects inside each other
     */
    public record Limits(int maxBytes, int maxStringChars, int maxValues, int maxDepth) {
        /** For info frames: 64 KiB, strings of 4 Ki characters, 4 Ki values, 64 levels. */
        public static final Limits INFO = new Limits(64 << 10, 4 << 10, 4 << 10, 64);
        /** The default: 64 MiB, strings of 16 Mi characters, 4 Mi values, 64 levels. */
        public static final Limits DEFAULT = new Limits(64 << 20, 16 << 20, 4 << 20, 64);
    }

    private final String s;
    private final Limits limits;
    private int i;
    private int values;

    private Json(String s, Limits limits) {
        this.s = s;
        this.limits = limits;
    }

    /** Parses one JSON value within {@link Limits#DEFAULT}; throws {@link IllegalArgumentException} saying where it failed. */
    public static Object parse(byte[] utf8) {
        return parse(utf8, Limits.DEFAULT);
    }

    /** Parses one JSON value within {@code limits}; throws {@link IllegalArgumentException} saying where it failed. */
    public static Object parse(byte[] utf8, Limits limits) {
        checkSize(utf8.length, limits);
        return parse(new String(utf8, StandardCharsets.UTF_8), limits);
    }

    public static Object parse(String text) {
        return parse(text, Limits.DEFAULT);
    }

    public static Object parse(String text, Limits limits) {
        checkSize(text.length(), limits);
        Json p = new Json(text, limits);
        p.skipWs();
        Object v = p.value(0);
        p.skipWs();
        if (p.i != p.s.length()) throw p.fail("trailing characters");
        return v;
    }

    /** Parses a JSON object within {@link Limits#DEFAULT}; anything else is an {@link IllegalArgumentException}. */
    public static Map<String, Object> parseObject(byte[] utf8) {
        return parseObject(utf8, Limits.DEFAULT);
    }

    /** Parses a JSON object within {@code limits}; anything else is an {@link IllegalArgumentException}. */
    @SuppressWarnings("unchecked")
    public static Map<String, Object> parseObject(byte[] utf8, Limits limits) {
        Object v = parse(utf8, limits);
        if (!(v instanceof Map)) throw new IllegalArgumentException("expected a JSON object");
        return (Map<String, Object>) v;
    }

    private static void checkSize(int length, Limits limits) {
        if (length > limits.maxBytes()) {
            throw new IllegalArgumentException("JSON text of " + length + " bytes exceeds the limit of "
                    + limits.maxBytes() + " bytes");
        }
    }

    private Object value(int depth) {
        if (depth > limits.maxDepth()) throw fail("nested deeper than " + limits.maxDepth());
        count();
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
            count();
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

    private void count() {
        if (++values > limits.maxValues()) throw fail("more than " + limits.maxValues() + " values");
    }

    private String string() {
        expect('"');
        StringBuilder b = new StringBuilder();
        while (true) {
            if (b.length() >= limits.maxStringChars() && peek() != '"') {
                throw fail("string longer than " + limits.maxStringChars() + " characters");
            }
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
                    case 'u' -> b.append(hex4());
                    default -> throw fail("bad escape '\\" + e + "'");
                }
            } else {
                if (c < 0x20) throw fail("control character in string");
                b.append(c);
            }
        }
    }

    private char hex4() {
        if (i + 4 > s.length()) throw fail("bad \\u escape");
        int v = 0;
        for (int k = 0; k < 4; k++) {
            int d = Character.digit(s.charAt(i + k), 16);
            if (d < 0) throw fail("bad \\u escape");
            v = v * 16 + d;
        }
        i += 4;
        return (char) v;
    }

    /** A number as RFC 8259 writes it: {@code -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?}. */
    private Object number() {
        int start = i;
        if (peek() == '-') i++;
        if (peek() == '0') {
            i++;
        } else if (!digits()) {
            throw fail("bad number");
        }
        boolean integral = true;
        if (peek() == '.') {
            integral = false;
            i++;
            if (!digits()) throw fail("bad number");
        }
        if (peek() == 'e' || peek() == 'E') {
            integral = false;
            i++;
            if (peek() == '+' || peek() == '-') i++;
            if (!digits()) throw fail("bad number");
        }
        String t = s.substring(start, i);
        if (integral) {
            try {
                return Long.parseLong(t);
            } catch (NumberFormatException e) {
                // beyond a long: read as a double, as Python's json does for large floats
            }
        }
        return Double.parseDouble(t);
    }

    /** Skips one or more digits; false if there is none. */
    private boolean digits() {
        int start = i;
        while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') i++;
        return i > start;
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

    /**
     * Writes maps (keys by {@link String#valueOf}), collections, {@code Object[]} (which may hold
     * nulls), {@code int[]}, {@code long[]}, {@code double[]} and {@code float[]}, strings, numbers,
     * booleans and null. Non-finite doubles and floats become {@code null}; any other object is
     * written as the string of its {@code toString()}. Characters outside ASCII are written as they
     * are (UTF-8 in {@link #writeBytes}); control characters are escaped.
     */
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
            write(b, Arrays.asList(a)); // List.of refuses nulls
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

package io.wkr.protocol;

import java.util.HashMap;
import java.util.Map;

/**
 * Element types of a {@link Tensor}, named as numpy names them ({@code str(arr.dtype)}), so the
 * {@code numpy} protocol stays byte-compatible with the original Python client. Data is always
 * little-endian.
 */
public enum DType {
    BOOL("bool", 1, "|b1", "<b1", "b1", "?", "bool_"),
    INT8("int8", 1, "|i1", "<i1", "i1", "b", "byte"),
    UINT8("uint8", 1, "|u1", "<u1", "u1", "B", "ubyte"),
    INT16("int16", 2, "<i2", "i2", "h", "short"),
    UINT16("uint16", 2, "<u2", "u2", "H", "ushort"),
    INT32("int32", 4, "<i4", "i4", "i", "intc"),
    UINT32("uint32", 4, "<u4", "u4", "I", "uintc"),
    INT64("int64", 8, "<i8", "i8", "q", "longlong"),
    UINT64("uint64", 8, "<u8", "u8", "Q", "ulonglong"),
    FLOAT16("float16", 2, "<f2", "f2", "e", "half"),
    FLOAT32("float32", 4, "<f4", "f4", "f", "single"),
    FLOAT64("float64", 8, "<f8", "f8", "d", "double", "float");

    private static final Map<String, DType> BY_NAME = new HashMap<>();

    static {
        for (DType t : values()) {
            BY_NAME.put(t.numpyName, t);
            for (String a : t.aliases) BY_NAME.put(a, t);
        }
    }

    private static final String KNOWN = "bool, int8, uint8, int16, uint16, int32, uint32, int64, uint64, "
            + "float16, float32, float64";

    private final String numpyName;
    private final int byteSize;
    private final String[] aliases;

    DType(String numpyName, int byteSize, String... aliases) {
        this.numpyName = numpyName;
        this.byteSize = byteSize;
        this.aliases = aliases;
    }

    /** The name numpy prints, e.g. {@code float32}. */
    public String numpyName() {
        return numpyName;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /**
     * Looks up a dtype exactly as numpy spells it (case matters, as in numpy: {@code B} is uint8,
     * {@code b} int8): the name {@code str(arr.dtype)} prints ({@code float32}), the type string
     * {@code arr.dtype.str} ({@code <f4}, {@code |u1}), the same without byte order ({@code f4}),
     * the one-letter type code ({@code f}; not {@code l}/{@code L}, whose size depends on the
     * platform), or a C-style name numpy accepts ({@code single}, {@code double}, {@code float}).
     *
     * @throws BadRequestException for a big-endian, non-numeric (strings, bytes, objects, dates,
     *     complex numbers) or unknown dtype; the message quotes at most a short prefix of the name
     */
    public static DType fromNumpy(String name) {
        DType t = BY_NAME.get(name);
        if (t != null) return t;
        String quoted = "'" + Wire.preview(name) + "'";
        String kind = unsupportedKind(name);
        if (kind != null) {
            throw new BadRequestException("dtype " + quoted + " (" + kind + ") is not supported; send one of " + KNOWN);
        }
        if (name.startsWith(">")) {
            throw new BadRequestException("big-endian dtype " + quoted + " is not supported; send little-endian data");
        }
        throw new BadRequestException("unknown dtype " + quoted + "; known: " + KNOWN);
    }

    /** What numpy would make of a non-numeric dtype, for the error message; null if it is none of those. */
    private static String unsupportedKind(String name) {
        String s = !name.isEmpty() && "<>|=".indexOf(name.charAt(0)) >= 0 ? name.substring(1) : name;
        if (s.isEmpty()) return null;
        String kind = NON_NUMERIC.get(s.startsWith("datetime64[") ? "datetime64" : s.startsWith("timedelta64[") ? "timedelta64" : s);
        if (kind != null) return kind;
        // a type string: one kind letter, then a size or a unit ("U4", "S10", "M8[ns]")
        boolean code = s.length() > 1 && (Character.isDigit(s.charAt(1)) || s.charAt(1) == '[');
        char k = s.charAt(0);
        if (!code || "USaOVMmc".indexOf(k) < 0) return null;
        return k == 'c' ? "complex numbers" : NON_NUMERIC.get(s.substring(0, 1)); // "c" alone is S1
    }

    /** numpy's non-numeric dtype names and kind letters. */
    private static final Map<String, String> NON_NUMERIC = new HashMap<>();

    static {
        kind("unicode strings", "U", "str", "str_", "unicode", "unicode_");
        kind("byte strings", "S", "a", "c", "bytes", "bytes_", "string_");
        kind("Python objects", "O", "object", "object_");
        kind("raw or structured records", "V", "void");
        kind("dates", "M", "datetime64");
        kind("time deltas", "m", "timedelta64");
        kind("complex numbers", "F", "D", "G", "complex", "complex_", "complex64", "complex128", "complex256",
                "csingle", "cdouble", "clongdouble", "cfloat");
    }

    private static void kind(String what, String... names) {
        for (String n : names) NON_NUMERIC.put(n, what);
    }
}

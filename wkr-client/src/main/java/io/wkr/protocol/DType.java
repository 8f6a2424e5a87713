package io.wkr.protocol;

import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Element types of a {@link Tensor}, named as numpy names them ({@code str(arr.dtype)}), so the
 * {@code numpy} protocol stays byte-compatible with the original Python client. Data is always
 * little-endian.
 */
public enum DType {
    BOOL("bool", 1, "|b1", "?"),
    INT8("int8", 1, "|i1", "i1"),
    UINT8("uint8", 1, "|u1", "u1"),
    INT16("int16", 2, "<i2", "i2"),
    UINT16("uint16", 2, "<u2", "u2"),
    INT32("int32", 4, "<i4", "i4"),
    UINT32("uint32", 4, "<u4", "u4"),
    INT64("int64", 8, "<i8", "i8"),
    UINT64("uint64", 8, "<u8", "u8"),
    FLOAT16("float16", 2, "<f2", "f2"),
    FLOAT32("float32", 4, "<f4", "f4"),
    FLOAT64("float64", 8, "<f8", "f8");

    private static final Map<String, DType> BY_NAME = new HashMap<>();

    static {
        for (DType t : values()) {
            BY_NAME.put(t.numpyName, t);
            for (String a : t.aliases) BY_NAME.put(a, t);
        }
        // numpy's platform-independent spellings that Python code commonly passes.
        BY_NAME.put("float", FLOAT64);
        BY_NAME.put("double", FLOAT64);
        BY_NAME.put("half", FLOAT16);
        BY_NAME.put("single", FLOAT32);
        BY_NAME.put("bool_", BOOL);
        BY_NAME.put("<b1", BOOL);
        BY_NAME.put("<i1", INT8);
        BY_NAME.put("<u1", UINT8);
    }

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
     * Looks up a numpy dtype name ({@code float32}) or little-endian type string ({@code <f4}).
     *
     * @throws BadRequestException for an unknown or big-endian dtype
     */
    public static DType fromNumpy(String name) {
        DType t = BY_NAME.get(name.toLowerCase(Locale.ROOT));
        if (t != null) return t;
        if (name.startsWith(">")) {
            throw new BadRequestException("big-endian dtype '" + name + "' is not supported; send little-endian data");
        }
        throw new BadRequestException("unknown dtype '" + name + "'; known: bool, int8, uint8, int16, uint16, "
                + "int32, uint32, int64, uint64, float16, float32, float64");
    }
}

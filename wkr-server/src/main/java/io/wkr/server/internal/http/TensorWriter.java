package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import java.io.IOException;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Writes JSON numbers into a tensor's little-endian bytes, converted to its dtype with a range
 * check: nothing is wrapped ({@code uint8} 300 is not 44), clamped or silently rounded to an
 * integer. Integer dtypes take integral numbers in their range ({@code 2}, {@code 2.0}, {@code
 * 2e0}; not {@code 2.5}); {@code uint64} takes up to 2^64-1; {@code bool} takes {@code true},
 * {@code false}, {@code 0} and {@code 1}; {@code float32} and {@code float64} take finite values
 * that do not overflow them (a float32 rounds to the nearest float32). {@code true}/{@code false}
 * are 1/0 for every dtype.
 */
final class TensorWriter {
    private static final BigInteger UINT64_MAX = BigInteger.ONE.shiftLeft(64).subtract(BigInteger.ONE);
    /** 2^64: values at or past it fit no integer dtype. */
    private static final BigDecimal TWO_64 = new BigDecimal(BigInteger.ONE.shiftLeft(64));

    private final DType dtype;
    private final ByteBuffer out;
    private long index;

    TensorWriter(DType dtype, byte[] bytes) {
        this.dtype = dtype;
        this.out = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** Writes the number (or boolean) the parser is on. */
    void put(JsonParser p, JsonToken t) throws IOException {
        if (!out.hasRemaining()) throw new IllegalStateException("more numbers than the first pass counted");
        switch (dtype) {
            case FLOAT32 -> out.putFloat(float32(p, t));
            case FLOAT64 -> out.putDouble(float64(p, t));
            case BOOL -> out.put((byte) integral(p, t, 0, 1));
            case INT8 -> out.put((byte) integral(p, t, Byte.MIN_VALUE, Byte.MAX_VALUE));
            case UINT8 -> out.put((byte) integral(p, t, 0, 0xff));
            case INT16 -> out.putShort((short) integral(p, t, Short.MIN_VALUE, Short.MAX_VALUE));
            case UINT16 -> out.putShort((short) integral(p, t, 0, 0xffff));
            case INT32 -> out.putInt((int) integral(p, t, Integer.MIN_VALUE, Integer.MAX_VALUE));
            case UINT32 -> out.putInt((int) integral(p, t, 0, 0xffff_ffffL));
            case INT64 -> out.putLong(integral(p, t, Long.MIN_VALUE, Long.MAX_VALUE));
            case UINT64 -> out.putLong(uint64(p, t));
            case FLOAT16 -> throw new BadRequestException("float16 tensors cannot be sent as JSON; send float32");
        }
        index++;
    }

    /** Fails unless every element was written. */
    void checkFull() {
        if (out.hasRemaining()) throw new IllegalStateException("fewer numbers than the first pass counted");
    }

    private float float32(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_TRUE) return 1f;
        if (t == JsonToken.VALUE_FALSE) return 0f;
        float v = p.getFloatValue();
        if (Float.isInfinite(v)) throw outOfRange(p, "-3.4028235e38..3.4028235e38");
        return v;
    }

    private double float64(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_TRUE) return 1;
        if (t == JsonToken.VALUE_FALSE) return 0;
        double v = p.getDoubleValue();
        if (Double.isInfinite(v)) throw outOfRange(p, "-1.7976931348623157e308..1.7976931348623157e308");
        return v;
    }

    /** The integral value of the token, in {@code min..max}. */
    private long integral(JsonParser p, JsonToken t, long min, long max) throws IOException {
        long v;
        if (t == JsonToken.VALUE_TRUE) {
            v = 1;
        } else if (t == JsonToken.VALUE_FALSE) {
            v = 0;
        } else if (t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            v = p.getLongValue();
        } else {
            BigInteger b = exactInteger(p, t);
            if (b.bitLength() > 63) throw outOfRange(p, min + ".." + max);
            v = b.longValue();
        }
        if (v < min || v > max) throw outOfRange(p, min + ".." + max);
        return v;
    }

    private long uint64(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_TRUE) return 1;
        if (t == JsonToken.VALUE_FALSE) return 0;
        BigInteger b = t == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER
                ? BigInteger.valueOf(p.getLongValue())
                : exactInteger(p, t);
        if (b.signum() < 0 || b.compareTo(UINT64_MAX) > 0) throw outOfRange(p, "0.." + UINT64_MAX);
        return b.longValue(); // the low 64 bits: 2^64-1 is stored as -1, as numpy stores it
    }

    /** A big or fractional-looking number as an exact integer; refuses non-integral values. */
    private BigInteger exactInteger(JsonParser p, JsonToken t) throws IOException {
        if (t == JsonToken.VALUE_NUMBER_INT) return p.getBigIntegerValue(); // at most MAX_NUMBER_LENGTH digits
        // Compare magnitudes before expanding anything: 1e999999999 and 1e-999999 stay cheap.
        BigDecimal d = p.getDecimalValue();
        if (d.abs().compareTo(TWO_64) >= 0) {
            throw outOfRange(p, dtype == DType.UINT64 ? "0.." + UINT64_MAX : "its dtype's range");
        }
        d = d.stripTrailingZeros();
        if (d.scale() > 0) {
            throw new BadRequestException("element " + index + " is " + JsonInputs.quote(p) + ", not an integer: "
                    + dtype.numpyName() + " takes integers");
        }
        return d.toBigIntegerExact();
    }

    private BadRequestException outOfRange(JsonParser p, String range) throws IOException {
        return new BadRequestException("element " + index + " is " + JsonInputs.quote(p) + ", out of range for "
                + dtype.numpyName() + " (" + range + ")");
    }
}

package io.wkr.protocol;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * The original Python client's {@code obj} payloads: {@code pickle.dumps(obj, -1)}, zlib-compressed
 * when the info says {@code "compress": 1}, with info {@code {"protocol": -1, "compress": 0}}. Read
 * by {@link PickleReader}, which maps an allow-list of globals to Java values and runs nothing;
 * written by {@link PickleEncoder} as a protocol 3 pickle with numpy arrays as numpy arrays.
 *
 * <p>A compressed payload is inflated into at most {@code maxInflatedBytes} bytes (the server's
 * {@code -max_request_bytes}), charged to the decode's budget as it grows; the pickle it holds is
 * then read within {@link DecodeLimits} as if it had arrived uncompressed.
 */
public final class PickleCodec implements PayloadCodec {
    /** What {@code -max_request_bytes} is by default: 16 MiB. */
    public static final int DEFAULT_MAX_INFLATED_BYTES = 16 << 20;

    private static final String PROTOCOL = PickleReader.PROTOCOL;

    private final DecodeLimits limits;
    private final int maxInflatedBytes;

    public PickleCodec(DecodeLimits limits, int maxInflatedBytes) {
        if (maxInflatedBytes <= 0) throw new IllegalArgumentException("maxInflatedBytes must be positive");
        this.limits = limits;
        this.maxInflatedBytes = maxInflatedBytes;
    }

    /**
     * True when an info frame is the Python client's pickle info: it has a {@code protocol} key
     * (the pickle protocol, -1) and no {@code codec} key (what wkr's Kryo payloads carry).
     */
    public static boolean isPickleInfo(Map<String, Object> info) {
        return info != null && info.containsKey("protocol") && !info.containsKey("codec");
    }

    /**
     * Reads the pickled status dict an original Python server answers {@code SHOW_CONFIG} with
     * ({@code pickle.dumps(dict)}, info {@code {"protocol": -1, "compress": 0}}) with the
     * restricted reader, within {@link DecodeLimits#DEFAULT}: keys become strings, numpy scalars
     * (the sink's statistics) Java numbers.
     *
     * @throws BadRequestException when the payload is not a pickle the reader accepts, or not a dict
     */
    public static Map<String, Object> decodeStatus(byte[] payload, Map<String, Object> info) {
        if (!isPickleInfo(info)) throw new BadRequestException(PROTOCOL + ": info " + info + " is not a pickle's");
        Object v = new PickleCodec(DecodeLimits.DEFAULT, DEFAULT_MAX_INFLATED_BYTES).decode(payload, info);
        if (!(v instanceof Map<?, ?> m)) {
            throw new BadRequestException(PROTOCOL + ": a status is a dict, got " + (v == null ? "None" : v.getClass().getSimpleName()));
        }
        Map<String, Object> status = new LinkedHashMap<>();
        m.forEach((k, x) -> status.put(String.valueOf(k), x));
        return status;
    }

    @Override
    public Protocol protocol() {
        return Protocol.OBJ;
    }

    @Override
    public Object decode(byte[] payload, Map<String, Object> info, DecodeBudget budget) {
        Object compress = info.getOrDefault("compress", 0L);
        byte[] pickle;
        if (compress instanceof Number n && n.longValue() == 0 || Boolean.FALSE.equals(compress)) {
            pickle = payload;
        } else if (compress instanceof Number n && n.longValue() == 1 || Boolean.TRUE.equals(compress)) {
            pickle = inflate(payload, budget);
        } else {
            throw new BadRequestException(PROTOCOL + ": info 'compress' must be 0 or 1, got " + Wire.preview(String.valueOf(compress)));
        }
        DecodeMeter meter = new DecodeMeter(limits, budget, PROTOCOL, pickle.length);
        try {
            return new PickleReader(pickle, meter).read();
        } catch (WKRException e) {
            throw e;
        } catch (RuntimeException | StackOverflowError e) {
            throw new BadRequestException(PROTOCOL + ": cannot decode payload: " + e, e);
        }
    }

    /** Inflates zlib data into at most {@code maxInflatedBytes}, charging {@code budget} as it grows. */
    private byte[] inflate(byte[] payload, DecodeBudget budget) {
        Inflater inflater = new Inflater();
        try {
            inflater.setInput(payload);
            int cap = Math.min(maxInflatedBytes, Math.max(4096, payload.length * 4));
            budget.charge(cap);
            byte[] buf = new byte[cap];
            int n = 0;
            while (!inflater.finished()) {
                if (n == buf.length) {
                    if (buf.length >= maxInflatedBytes) {
                        throw new BadRequestException(PROTOCOL + ": the compressed payload inflates to more than "
                                + maxInflatedBytes + " bytes (-max_request_bytes)");
                    }
                    int bigger = (int) Math.min(maxInflatedBytes, buf.length * 2L);
                    budget.charge(bigger);
                    buf = java.util.Arrays.copyOf(buf, bigger);
                }
                int got = inflater.inflate(buf, n, buf.length - n);
                if (got == 0 && (inflater.needsInput() || inflater.needsDictionary())) {
                    throw new BadRequestException(PROTOCOL + ": truncated zlib data");
                }
                n += got;
            }
            if (inflater.getRemaining() != 0) {
                throw new BadRequestException(PROTOCOL + ": " + inflater.getRemaining() + " bytes after the zlib data");
            }
            if (n == buf.length) return buf;
            budget.charge(n);
            return java.util.Arrays.copyOf(buf, n);
        } catch (DataFormatException e) {
            throw new BadRequestException(PROTOCOL + ": 'compress' is 1 but the payload is not zlib data: " + e.getMessage());
        } finally {
            inflater.end();
        }
    }

    /**
     * Writes a pickle with info {@code {"protocol":-1,"compress":0}}, as the original's server
     * answers.
     *
     * @throws IllegalArgumentException when the value holds a type a pickle cannot carry here
     */
    @Override
    public Encoded encode(Object value, long timeoutMillis) {
        byte[] info = Wire.PICKLE_INFO;
        if (timeoutMillis > 0) {
            info = Wire.ascii("{\"protocol\":-1,\"compress\":0,\"" + Wire.INFO_TIMEOUT_MS + "\":" + timeoutMillis + "}");
        }
        return new Encoded(PickleEncoder.encode(value), info);
    }
}

package io.wkr.server.internal;

import io.wkr.protocol.Wire;
import io.wkr.protocol.internal.Json;
import java.util.Map;

/**
 * Encodes a status map for a {@code SHOW_CONFIG} reply: as a Python pickle of a dict (what the
 * original Python client reads, protocol 2, only dict/list/str/int/float/bool/None) or as JSON
 * for clients that ask with {@code {"format":"json"}}. The server only ever writes pickles; it
 * never reads one.
 */
public final class StatusEncoding {
    /** Info frame of a JSON status reply. */
    public static final byte[] JSON_INFO = Json.writeBytes(Map.of(Wire.INFO_FORMAT, "json"));

    private StatusEncoding() {}

    public static byte[] pickle(Map<String, Object> status) {
        return PickleWriter.dumps(status);
    }

    public static byte[] json(Map<String, Object> status) {
        return Json.writeBytes(status);
    }
}

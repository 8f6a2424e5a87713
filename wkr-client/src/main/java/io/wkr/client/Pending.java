package io.wkr.client;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.PickleCodec;
import io.wkr.protocol.WKRException;
import io.wkr.protocol.Wire;
import io.wkr.protocol.internal.Json;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * A request waiting for its reply. Whichever thread reads the reply completes it; the receiver
 * thread fails it once its deadline passes.
 */
final class Pending extends CompletableFuture<Object> {
    final long id;
    /** A {@code SHOW_CONFIG} request: its reply is a JSON status, not a payload of the protocol. */
    final boolean status;
    final long deadlineNanos;
    /** Nobody reads for it: the receiver thread completes it. */
    final boolean async;

    Pending(long id, boolean status, long deadlineNanos, boolean async) {
        this.id = id;
        this.status = status;
        this.deadlineNanos = deadlineNanos;
        this.async = async;
    }

    /**
     * Completes this request from frames 2 and 3 of its reply: with the decoded value, the status
     * map, or the {@link WKRException} of an error reply or of a reply that does not decode.
     */
    void completeWith(byte[] payload, byte[] info, PayloadCodec codec, RequestIds ids) {
        try {
            if (Wire.is(info, Wire.EXCEPTION)) {
                completeExceptionally(ErrorCode.parse(payload));
            } else if (status) {
                complete(parseStatus(payload, info));
            } else {
                complete(codec.decode(payload, Json.parseObject(info)));
            }
        } catch (RuntimeException e) {
            completeExceptionally(new WKRException(ErrorCode.INTERNAL, "cannot decode the reply to request "
                    + ids.text(id) + ": " + e.getMessage(), e));
        }
    }

    /**
     * A status reply: JSON from a wkr server (asked for with {@code {"format":"json"}}), or the
     * pickled dict of an original Python server (info {@code {"protocol": -1, "compress": 0}}),
     * read by the restricted pickle reader; an empty map when it is neither.
     */
    static Map<String, Object> parseStatus(byte[] payload, byte[] info) {
        try {
            return Json.parseObject(payload);
        } catch (IllegalArgumentException notJson) {
            // not JSON: an original server's pickled dict, or nothing this client can read
        }
        try {
            return PickleCodec.decodeStatus(payload, Json.parseObject(info));
        } catch (RuntimeException e) {
            return Map.of();
        }
    }
}

package io.wkr.server.status;

import io.wkr.protocol.ErrorCode;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Map;

/**
 * Requests by outcome, since start ({@code requests}).
 *
 * @param received data requests received over ZeroMQ and HTTP, including ones refused afterwards
 * @param accepted data requests put on the queue
 * @param succeeded answered with a result
 * @param failed answered with an error: the sum of {@code errors}
 * @param control {@code SHOW_CONFIG} and {@code TERMINATION} requests
 * @param malformed messages that were not a well-formed request
 * @param droppedReplies replies that reached no client (the same as {@link Replies#dropped()})
 * @param errors error replies by code, every code present
 */
public record Requests(
        long received,
        long accepted,
        long succeeded,
        long failed,
        long control,
        long malformed,
        long droppedReplies,
        Map<ErrorCode, Long> errors) {

    public Requests {
        errors = Collections.unmodifiableMap(new EnumMap<>(errors));
    }

    /** The error replies with {@code code}. */
    public long errors(ErrorCode code) {
        return errors.getOrDefault(code, 0L);
    }
}

package io.wkr.server.batching;

import io.wkr.protocol.Envelope;
import io.wkr.protocol.ErrorCode;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One admitted request on its way from the ventilator to a worker. Completed exactly once:
 * whoever answers it (a worker, the deadline check, a drain that gives up) first wins {@link
 * #tryComplete()}, so a request is never answered twice and never silently dropped.
 */
public final class Job {
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private final byte[] identity;
    private final byte[] requestId;
    private final byte[] payload;
    private final Map<String, Object> info;
    private final long arrivalNanos;
    private final long deadlineNanos;
    private final AtomicBoolean done = new AtomicBoolean();

    public Job(byte[] identity, byte[] requestId, byte[] payload, Map<String, Object> info, long arrivalNanos,
            long deadlineNanos) {
        this.identity = identity;
        this.requestId = requestId;
        this.payload = payload;
        this.info = info;
        this.arrivalNanos = arrivalNanos;
        this.deadlineNanos = deadlineNanos;
    }

    public byte[] identity() {
        return identity;
    }

    public byte[] requestId() {
        return requestId;
    }

    public byte[] payload() {
        return payload;
    }

    public Map<String, Object> info() {
        return info;
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    public boolean expired(long nowNanos) {
        return deadlineNanos != NO_DEADLINE && nowNanos - deadlineNanos > 0;
    }

    /** True for the one caller that gets to answer this job. */
    public boolean tryComplete() {
        return done.compareAndSet(false, true);
    }

    public Envelope reply(byte[] payload, byte[] info) {
        return new Envelope(identity, requestId, payload, info);
    }

    public Envelope error(ErrorCode code, String message) {
        return Envelope.error(identity, requestId, code, message);
    }
}

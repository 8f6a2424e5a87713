package io.wkr.server.batching;

import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One admitted request on its way from a frontend (ZeroMQ or HTTP) to a worker. Completed exactly
 * once: whoever answers it (a worker, the deadline check, a drain that gives up) first wins {@link
 * #tryComplete()}, so a request is never answered twice and never silently dropped. How the
 * answer travels back is the job's {@link Completion}.
 */
public final class Job {
    public static final long NO_DEADLINE = Long.MAX_VALUE;

    private final byte[] identity;
    private final byte[] requestId;
    private final byte[] payload;
    private final Map<String, Object> info;
    private final Object input;
    private final Completion completion;
    private final long arrivalNanos;
    private final long deadlineNanos;
    private final AtomicBoolean done = new AtomicBoolean();

    /**
     * @param payload the encoded input (frame 2), decoded by the worker; unused when {@code input}
     *     is given
     * @param input an already decoded input (HTTP), or null
     */
    public Job(byte[] identity, byte[] requestId, byte[] payload, Map<String, Object> info, Object input,
            Completion completion, long arrivalNanos, long deadlineNanos) {
        this.identity = identity;
        this.requestId = requestId;
        this.payload = payload;
        this.info = info;
        this.input = input;
        this.completion = completion;
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

    /** The decoded input when the frontend already decoded it, else null. */
    public Object input() {
        return input;
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

    /** Answers with the model's output, unless answered already. */
    public void succeed(Object output) {
        if (tryComplete()) completion.succeeded(this, output);
    }

    /** Answers with an error, unless answered already. */
    public void fail(io.wkr.protocol.ErrorCode code, String message) {
        if (tryComplete()) completion.failed(this, code, message);
    }
}

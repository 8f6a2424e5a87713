package io.wkr.server.internal.batching;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.OverloadedException;
import io.wkr.server.internal.MemoryBudget;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One admitted request on its way from a frontend (ZeroMQ or HTTP) to a worker. Completed exactly
 * once: whoever answers it (a worker, the deadline check, a drain that gives up) first wins {@link
 * #tryComplete()}, so a request is never answered twice and never silently dropped. How the
 * answer travels back is the job's {@link Completion}.
 *
 * <p>A job holds memory from the server's {@link MemoryBudget} from admission until it is
 * answered: its {@linkplain #bytes() size} (the payload, or the HTTP body) and whatever decoding it
 * {@linkplain #charge charges} on the way. Answering it gives all of that back, once.
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
    private final long bytes;
    private final AtomicBoolean done = new AtomicBoolean();
    /** Bytes held from {@link #budget}; {@link #RELEASED} (and below) once answered. */
    private final AtomicLong held = new AtomicLong();
    private volatile MemoryBudget budget;

    private static final long RELEASED = Long.MIN_VALUE / 2;

    /**
     * @param payload the encoded input (frame 2), decoded by the worker; unused when {@code input}
     *     is given
     * @param input an already decoded input (HTTP), or null
     * @param bytes what this request holds in memory while it waits: the payload's length, or for
     *     a decoded input the body it came from plus what decoding it allocated
     */
    public Job(byte[] identity, byte[] requestId, byte[] payload, Map<String, Object> info, Object input,
            long bytes, Completion completion, long arrivalNanos, long deadlineNanos) {
        if (bytes < 0) throw new IllegalArgumentException("bytes < 0: " + bytes);
        this.bytes = bytes;
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

    /** What this request holds in memory while it waits (see the constructor). */
    public long bytes() {
        return bytes;
    }

    /**
     * Takes {@link #bytes()} from {@code budget} for this job, if they fit.
     *
     * @return false, holding nothing, when the budget is full
     */
    boolean hold(MemoryBudget budget) {
        if (!budget.tryReserve(bytes)) return false;
        this.budget = budget;
        held.set(bytes); // before the job is queued: nobody else can answer it yet
        return true;
    }

    /**
     * Holds {@link #bytes()} that the caller already reserved in {@code budget} for this request
     * (an HTTP body read into it), so they are not given back and taken again at admission.
     */
    public void adopt(MemoryBudget budget) {
        this.budget = budget;
        held.set(bytes);
    }

    /** True once the job holds its bytes in a budget ({@link #hold} or {@link #adopt}). */
    boolean holds() {
        return budget != null;
    }

    /**
     * Charges memory a worker is about to allocate for this job (decoding its payload) to the
     * budget the job was admitted under; given back when the job is answered. A job that was not
     * admitted under a budget charges nothing.
     *
     * @throws OverloadedException when the server's memory budget is full, or the job was
     *     answered already
     */
    public void charge(long extra) {
        MemoryBudget b = budget;
        if (b == null || extra <= 0) return;
        if (!b.tryReserve(extra)) {
            throw new OverloadedException("the server's memory budget (-" + b.name() + " " + b.limit()
                    + " bytes) is full; decoding this request needs " + extra + " more bytes; retry later");
        }
        if (held.getAndAdd(extra) < 0) {
            b.release(extra);
            throw new OverloadedException("the request was answered while it was being decoded");
        }
    }

    private void releaseMemory() {
        long h = held.getAndSet(RELEASED);
        MemoryBudget b = budget;
        if (b != null && h > 0) b.release(h);
    }

    public long arrivalNanos() {
        return arrivalNanos;
    }

    public boolean expired(long nowNanos) {
        return deadlineNanos != NO_DEADLINE && nowNanos - deadlineNanos > 0;
    }

    /** True for the one caller that gets to answer this job (through {@link #succeed} or {@link #fail}). */
    boolean tryComplete() {
        return done.compareAndSet(false, true);
    }

    /** Answers with the model's output, unless answered already. */
    public void succeed(Object output) {
        if (!tryComplete()) return;
        try {
            completion.succeeded(this, output);
        } finally {
            releaseMemory();
        }
    }

    /** Answers with an error, unless answered already. */
    public void fail(ErrorCode code, String message) {
        if (!tryComplete()) return;
        try {
            completion.failed(this, code, message);
        } finally {
            releaseMemory();
        }
    }
}

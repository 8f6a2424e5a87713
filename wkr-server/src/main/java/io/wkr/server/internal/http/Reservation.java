package io.wkr.server.internal.http;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.OverloadedException;
import io.wkr.server.internal.MemoryBudget;

/**
 * What one HTTP request holds in the server's memory budget ({@code -max_queue_bytes}) before it
 * is admitted: its body as it arrives, then what decoding the body allocates. Taken step by step
 * as memory is really allocated (a slow client holds only what it has sent), refused with
 * {@code OVERLOADED} (429) when the budget is full right now and with 413 when the request could
 * never fit, and handed over to the job when it is admitted (the job then holds those {@linkplain
 * #held() bytes} until it is answered) or given back when the request fails. Decoding may allocate
 * at most {@link #DECODE_FACTOR} times the body plus {@link #DECODE_SLACK} bytes; past that the
 * request is a {@code BAD_REQUEST}. Used by one request at a time; the methods synchronise anyway.
 */
final class Reservation implements DecodeBudget {
    /** Decoding may allocate this many times the body's size (plus {@link #DECODE_SLACK}). */
    static final long DECODE_FACTOR = 8;
    static final long DECODE_SLACK = 64 * 1024;
    /** Decoding charges are reserved ahead in steps of this many bytes, not one by one. */
    private static final long STEP = 64 * 1024;

    private final MemoryBudget budget;
    private long held;
    private long decodeLimit = DECODE_SLACK;
    private long decoded;
    private long decodeReserved;
    private boolean released;

    Reservation(MemoryBudget budget) {
        this.budget = budget;
    }

    /**
     * Takes {@code bytes} more (a body buffer growing).
     *
     * @throws HttpError 413 when the request would need more than the whole budget
     * @throws OverloadedException when the budget is full now
     */
    synchronized void take(long bytes) {
        if (bytes <= 0) return;
        if (released) throw new IllegalStateException("reservation already given back");
        if (held + bytes > budget.limit()) {
            throw new HttpError(413, ErrorCode.BAD_REQUEST, "this request needs more than the server's memory budget of "
                    + budget.limit() + " bytes (-" + budget.name() + ")");
        }
        if (!budget.tryReserve(bytes)) {
            throw new OverloadedException("the server's memory budget (-" + budget.name() + " " + budget.limit()
                    + " bytes) is full: " + budget.used() + " bytes held by queued and running requests; retry later");
        }
        held += bytes;
    }

    /** Gives back part of what was taken (a body buffer trimmed to its length). */
    synchronized void give(long bytes) {
        if (bytes <= 0 || released) return;
        long b = Math.min(bytes, held);
        held -= b;
        budget.release(b);
    }

    /** From now on decoding may allocate {@link #DECODE_FACTOR} x {@code bodyBytes} + slack. */
    synchronized void bodyRead(long bodyBytes) {
        decodeLimit = DECODE_FACTOR * bodyBytes + DECODE_SLACK;
    }

    /**
     * Charges memory that decoding the body is about to allocate.
     *
     * @throws BadRequestException past what decoding one body may allocate
     * @throws OverloadedException when the budget is full now
     * @throws HttpError 413 when the request would need more than the whole budget
     */
    @Override
    public synchronized void charge(long bytes) {
        if (bytes <= 0) return;
        decoded += bytes;
        if (decoded > decodeLimit) {
            throw new BadRequestException("decoding this body would allocate more than " + decodeLimit + " bytes ("
                    + DECODE_FACTOR + " x its size + " + DECODE_SLACK + "); send a smaller or less nested value");
        }
        if (decoded > decodeReserved) {
            long more = Math.max(STEP, decoded - decodeReserved);
            more = Math.min(more, Math.max(decoded - decodeReserved, decodeLimit - decodeReserved));
            take(more);
            decodeReserved += more;
        }
    }

    /** Bytes held now: what the admitted job will hold in their place. */
    synchronized long held() {
        return held;
    }

    /**
     * Hands what is held over to the job that {@linkplain io.wkr.server.internal.batching.Job#adopt adopts}
     * it; later calls do nothing.
     */
    synchronized void handOver() {
        released = true;
        held = 0;
    }

    /** Gives everything back; later calls do nothing. */
    synchronized void release() {
        if (released) return;
        released = true;
        if (held > 0) budget.release(held);
        held = 0;
    }
}

package io.wkr.server.internal.batching;

import io.wkr.protocol.BadRequestException;
import java.time.Duration;

/** The deadline rule shared by the frontends: the client's timeout or the server's, whichever is shorter. */
public final class Deadlines {
    /**
     * The longest timeout that is still a deadline: 100 years. Anything longer (up to infinity)
     * saturates to "no deadline of the client's own" instead of overflowing {@link System#nanoTime}
     * arithmetic, which would make a huge timeout expire at once.
     */
    static final long MAX_MILLIS = 100L * 365 * 24 * 3600 * 1000;

    private Deadlines() {}

    /**
     * @param clientMillis the caller's timeout in ms; {@code 0} (or {@code Double.POSITIVE_INFINITY},
     *     or anything over 100 years) for none of its own
     * @param serverTimeout {@code -request_timeout} (zero: none)
     * @return the deadline in {@link System#nanoTime()} terms, or {@link Job#NO_DEADLINE}
     * @throws BadRequestException when {@code clientMillis} is negative or NaN
     */
    public static long of(double clientMillis, Duration serverTimeout, long arrivalNanos) {
        long ms = clientMillis(clientMillis);
        long serverMs = serverTimeout.toMillis();
        if (serverMs > 0 && (ms == 0 || serverMs < ms)) ms = serverMs;
        return ms == 0 ? Job.NO_DEADLINE : arrivalNanos + Math.min(ms, MAX_MILLIS) * 1_000_000L;
    }

    /** A client's timeout in whole ms (rounded up), 0 for none; refuses what is not a timeout. */
    static long clientMillis(double v) {
        if (Double.isNaN(v) || v < 0) {
            throw new BadRequestException("timeout_ms must be a number of milliseconds >= 0, got " + v);
        }
        if (v > MAX_MILLIS) return 0; // saturates: no deadline of the client's own
        return (long) Math.ceil(v);
    }
}

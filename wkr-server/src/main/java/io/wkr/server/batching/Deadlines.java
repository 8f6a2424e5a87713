package io.wkr.server.batching;

import java.time.Duration;

/** The deadline rule shared by the frontends: the client's timeout or the server's, whichever is shorter. */
public final class Deadlines {
    private Deadlines() {}

    /**
     * @param clientMillis the caller's timeout in ms ({@code <= 0}: none)
     * @param serverTimeout {@code -request_timeout} (zero: none)
     * @return the deadline in {@link System#nanoTime()} terms, or {@link Job#NO_DEADLINE}
     */
    public static long of(double clientMillis, Duration serverTimeout, long arrivalNanos) {
        long ms = clientMillis > 0 ? (long) Math.ceil(clientMillis) : 0;
        long serverMs = serverTimeout.toMillis();
        if (serverMs > 0 && (ms == 0 || serverMs < ms)) ms = serverMs;
        return ms == 0 ? Job.NO_DEADLINE : arrivalNanos + ms * 1_000_000L;
    }
}

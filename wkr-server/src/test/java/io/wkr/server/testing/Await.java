package io.wkr.server.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Waits for a condition with a deadline, instead of sleeping. */
public final class Await {
    private Await() {}

    /** Polls {@code condition} every millisecond until it holds; fails after {@code timeout}. */
    public static void until(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out after " + timeout + " waiting for " + what);
            java.util.concurrent.locks.LockSupport.parkNanos(1_000_000);
        }
    }
}

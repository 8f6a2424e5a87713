package io.wkr.decentral.testing;

import io.wkr.decentral.WKRWorker;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;

/** Units for tests of the central itself (no Redis, no server). */
public final class TestUnits {
    private TestUnits() {}

    /** Counts its rounds; each round stands for 5 ms of work. */
    public static final class Idle extends WKRWorker<AtomicInteger> {
        @Override
        public AtomicInteger getModel(String ip, int port, int portOut) {
            return new AtomicInteger();
        }

        @Override
        public void doWork(AtomicInteger rounds, Logger logger) {
            context().count("rounds", 1);
            LockSupport.parkNanos(5_000_000); // simulated work, not synchronisation
        }
    }

    /** Fails {@code getModel} twice, then throws once from its third round, then works. */
    public static final class Flaky extends WKRWorker<AtomicInteger> {
        public static final AtomicInteger STARTS = new AtomicInteger();
        public static final AtomicInteger THROWN = new AtomicInteger();

        @Override
        public AtomicInteger getModel(String ip, int port, int portOut) {
            if (STARTS.incrementAndGet() <= 2) throw new IllegalStateException("cannot connect (start " + STARTS.get() + ")");
            return new AtomicInteger();
        }

        @Override
        public void doWork(AtomicInteger rounds, Logger logger) {
            if (rounds.incrementAndGet() == 3 && THROWN.getAndIncrement() == 0) throw new IllegalStateException("round 3 broke");
            context().count("rounds", 1);
            LockSupport.parkNanos(5_000_000); // simulated work
        }
    }
}

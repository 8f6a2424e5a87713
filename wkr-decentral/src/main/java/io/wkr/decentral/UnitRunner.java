package io.wkr.decentral;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one unit slot on its own thread ({@code wkr-decentral-unit-<n>}): {@code getModel}, {@code
 * doWork} in a loop, {@code offModel}; and when the unit fails, a fresh instance after a capped,
 * doubling backoff. The thread owns whatever sockets the unit opens; it is never interrupted:
 * {@link #requestStop()} sets a flag the loop checks between rounds.
 */
final class UnitRunner {
    private static final Logger log = LoggerFactory.getLogger(UnitRunner.class);
    /** A unit that ran this long before failing starts again after the shortest backoff. */
    private static final Duration HEALTHY_RUN = Duration.ofSeconds(5);

    private final UnitContext context;
    private final Supplier<? extends WKRWorker<?>> factory;
    private final Duration backoffMin;
    private final Duration backoffMax;
    private final Thread thread;
    private final Logger unitLogger;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition stopSignal = lock.newCondition();
    private volatile boolean stop;
    private volatile UnitState state = UnitState.STARTING;
    private volatile Instant since = Instant.now();
    private volatile String lastError;
    private String streak; // the error of the current run of failures, to log repeats quietly
    private volatile Instant lastErrorAt;
    private volatile long restarts;
    private volatile long backoffMillis;

    UnitRunner(String name, RemoteServer server, int index, int threadNo, DecentralConfig config,
            Supplier<? extends WKRWorker<?>> factory) {
        this.context = new UnitContext(name, server, index, config, () -> stop);
        this.factory = factory;
        this.backoffMin = config.restartBackoffMin();
        this.backoffMax = config.restartBackoffMax();
        this.unitLogger = LoggerFactory.getLogger("wkr.unit." + name);
        this.thread = new Thread(this::run, "wkr-decentral-unit-" + threadNo);
        thread.setDaemon(true);
    }

    UnitContext context() {
        return context;
    }

    UnitState state() {
        return state;
    }

    void start() {
        thread.start();
    }

    /** Asks the unit to stop after its current round (and wakes it from a backoff wait). */
    void requestStop() {
        stop = true;
        lock.lock();
        try {
            stopSignal.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for the unit's thread to end; false if it is still running after {@code timeout}. */
    boolean join(Duration timeout) throws InterruptedException {
        thread.join(Math.max(1, timeout.toMillis()));
        return !thread.isAlive();
    }

    private void run() {
        Duration backoff = backoffMin;
        while (!stop) {
            setState(UnitState.STARTING);
            long startedAt = System.nanoTime();
            WKRWorker<?> unit;
            try {
                unit = factory.get();
                unit.attach(context);
            } catch (RuntimeException e) {
                failed("cannot create the unit", e);
                unit = null;
            }
            if (unit != null && runOnce(unit)) break;
            if (stop) break;
            if (System.nanoTime() - startedAt > HEALTHY_RUN.toNanos()) backoff = backoffMin;
            restarts++;
            setState(UnitState.BACKOFF);
            backoffMillis = backoff.toMillis();
            awaitStop(backoff);
            backoff = backoff.multipliedBy(2).compareTo(backoffMax) > 0 ? backoffMax : backoff.multipliedBy(2);
        }
        backoffMillis = 0;
        setState(UnitState.STOPPED);
    }

    /** One life of a unit instance; true when it ended because of a stop request. */
    private <M> boolean runOnce(WKRWorker<M> unit) {
        M model;
        try {
            model = unit.getModel(context.server().host(), context.server().portIn(), context.server().portOut());
        } catch (Throwable e) {
            failed("getModel failed", e);
            return false;
        }
        streak = null;
        if (lastError != null) {
            unitLogger.info("unit {} is running again (restart {})", context.name(), restarts);
        } else {
            unitLogger.info("unit {} INIT DONE", context.name());
        }
        setState(UnitState.RUNNING);
        boolean clean = true;
        try {
            while (!stop) unit.doWork(model, unitLogger);
        } catch (Throwable e) {
            failed("doWork failed", e);
            clean = false;
        } finally {
            if (stop) setState(UnitState.STOPPING);
            try {
                unit.offModel(model);
            } catch (Throwable e) {
                unitLogger.warn("unit {}: offModel failed: {}", context.name(), e.toString(), e);
            }
        }
        return clean;
    }

    private void failed(String what, Throwable e) {
        String message = what + ": " + e;
        boolean repeated = message.equals(streak);
        streak = message;
        lastError = message;
        lastErrorAt = Instant.now();
        context.count("unit_failures", 1);
        if (repeated) {
            unitLogger.debug("unit {}: {} (again)", context.name(), message, e);
        } else if (operational(e)) {
            unitLogger.warn("unit {}: {}; restarting with backoff", context.name(), message);
            unitLogger.debug("unit {}: {}", context.name(), message, e);
        } else {
            unitLogger.warn("unit {}: {}; restarting with backoff", context.name(), message, e);
        }
        if (e instanceof VirtualMachineError vme && !(e instanceof StackOverflowError)) {
            log.error("unit {}: {}", context.name(), vme.toString());
        }
    }

    /** A server or Redis that is down or slow: the message says it all, a stack trace would not help. */
    private static boolean operational(Throwable e) {
        return e instanceof io.wkr.protocol.WKRException
                || e.getClass().getName().startsWith("redis.clients.jedis.exceptions.");
    }

    private void awaitStop(Duration d) {
        long deadline = System.nanoTime() + d.toNanos();
        lock.lock();
        try {
            long left;
            while (!stop && (left = deadline - System.nanoTime()) > 0) stopSignal.awaitNanos(left);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stop = true;
        } finally {
            lock.unlock();
        }
    }

    private void setState(UnitState s) {
        if (state != s) {
            state = s;
            since = Instant.now();
        }
    }

    /** This unit as the status shows it. */
    CentralStatus.Unit snapshot() {
        UnitState s = state;
        return new CentralStatus.Unit(context.name(), context.server(), context.index(), s, since, restarts,
                s == UnitState.BACKOFF ? backoffMillis : null, lastError, lastErrorAt, context.counters(),
                context.gauges());
    }
}

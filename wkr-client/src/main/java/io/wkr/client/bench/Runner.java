package io.wkr.client.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;

/**
 * Runs a load against a {@link Target}, bounded by a request count and by time, and checks every
 * reply. Closed loop: {@code clients} threads, each keeping {@code inFlight} requests
 * outstanding. Open loop: requests at a fixed rate whatever the answers do, latency measured from
 * each request's intended send time (no coordinated omission).
 */
final class Runner {
    /** How long to wait for the replies still outstanding once the bound is reached. */
    private final Duration replyTimeout;

    Runner(Duration replyTimeout) {
        this.replyTimeout = replyTimeout;
    }

    /** Bounds of one run: stop issuing after {@code count} requests or {@code duration}. */
    record Bounds(long count, Duration duration) {}

    Result closedLoop(Target target, Payload payload, int clients, int inFlight, Bounds bounds, Progress progress)
            throws InterruptedException {
        Result result = new Result(target.name(), payload.name(), clients, inFlight, 0, payload.bytes());
        AtomicLong issued = new AtomicLong();
        long deadline = System.nanoTime() + bounds.duration().toNanos();
        List<Thread> threads = new ArrayList<>();
        CountDownLatch ready = new CountDownLatch(clients);
        CountDownLatch go = new CountDownLatch(1);
        List<Throwable> failures = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int index = c;
            Thread t = new Thread(() -> {
                try (Target.Conn conn = target.connect(index, inFlight)) {
                    ready.countDown();
                    go.await();
                    clientLoop(conn, inFlight, bounds.count(), deadline, issued, result, progress);
                } catch (Exception e) {
                    synchronized (failures) {
                        failures.add(e);
                    }
                    ready.countDown();
                }
            }, "wkr-bench-client-" + c);
            t.setDaemon(true);
            threads.add(t);
            t.start();
        }
        ready.await();
        if (!failures.isEmpty()) throw new IllegalStateException("a client could not connect: " + failures.get(0), failures.get(0));
        result.start();
        go.countDown();
        for (Thread t : threads) t.join();
        result.stop();
        return result;
    }

    private void clientLoop(Target.Conn conn, int inFlight, long count, long deadline, AtomicLong issued, Result result,
            Progress progress) throws InterruptedException {
        int outstanding = 0;
        long seq = 0;
        while (true) {
            while (outstanding < inFlight && System.nanoTime() < deadline && issued.getAndIncrement() < count) {
                conn.send(seq++, System.nanoTime());
                outstanding++;
            }
            if (outstanding == 0) return;
            Target.Reply r = conn.receive(replyTimeout.toNanos());
            if (r == null) {
                result.lost.add(outstanding); // nothing came back in time: give up on what is outstanding
                return;
            }
            outstanding--;
            record(r, result);
            progress.tick();
        }
    }

    static void record(Target.Reply r, Result result) {
        if (r.error() != null) result.error(r.error());
        else if (!r.matched()) result.mismatched.increment();
        else result.ok(System.nanoTime() - r.sentNanos());
    }

    /** Open loop through the wkr client: {@code rate} requests per second. */
    Result openLoop(WkrTarget target, Payload payload, double rate, int maxInFlight, Bounds bounds, Progress progress)
            throws InterruptedException {
        Result result = new Result(target.name(), payload.name(), target.client().size(), 0, rate, payload.bytes());
        LongAdder outstanding = new LongAdder();
        long interval = (long) (1e9 / rate);
        long start = System.nanoTime();
        long deadline = start + bounds.duration().toNanos();
        result.start();
        long i = 0;
        for (; i < bounds.count(); i++) {
            long intended = start + i * interval;
            if (intended >= deadline) break;
            long wait = intended - System.nanoTime();
            if (wait > 0) LockSupport.parkNanos(wait);
            if (outstanding.sum() >= maxInFlight) {
                result.lost.increment(); // the server is so far behind that the generator sheds load
                continue;
            }
            outstanding.increment();
            target.call(i, intended, r -> {
                record(r, result);
                outstanding.decrement();
                progress.tick();
            });
        }
        long until = System.nanoTime() + replyTimeout.toNanos();
        while (outstanding.sum() > 0 && System.nanoTime() < until) LockSupport.parkNanos(1_000_000);
        result.lost.add(outstanding.sum());
        result.stop();
        return result;
    }
}

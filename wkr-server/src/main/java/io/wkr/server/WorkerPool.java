package io.wkr.server;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.config.WorkerMode;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.batching.JobQueue;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.status.WorkerState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@code num_worker} worker threads, one model instance each, pinned to the devices of the
 * device map. Starts them and waits for every model to load; drains and stops them.
 */
final class WorkerPool {
    private static final Logger logger = LoggerFactory.getLogger(WorkerPool.class);

    private final ServerConfig config;
    private final Supplier<? extends WKRHardWorker<?, ?, ?>> factory;
    private final JobQueue queue;
    private final ServerStats stats;
    private final PayloadCodec codec;
    /** Every slot started so far (a retired slot stays here, stopped), in start order. */
    private final List<WorkerSlot> slots = new java.util.concurrent.CopyOnWriteArrayList<>();
    private final List<Thread> threads = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The running slot of each worker id, null where none runs. */
    private final WorkerSlot[] running;
    private final Path[] tmpDir = new Path[1];
    /** The bounds of the elastic pool; {@code numWorker} .. {@code maxWorkers()} at start. */
    private volatile int minWorkers;
    private volatile int maxWorkers;
    /** Counted down when the pool starts stopping: idle workers leave, a reload's backoff ends. */
    private final CountDownLatch stopSignal = new CountDownLatch(1);
    private final AtomicInteger alive = new AtomicInteger();
    private final Consumer<String> onFatal;

    /**
     * @param onFatal told why the pool can no longer serve (every worker gave up reloading its
     *     model, a worker ran out of memory, a worker thread died); stops the server with a
     *     failure; must not block
     */
    WorkerPool(ServerConfig config, Supplier<? extends WKRHardWorker<?, ?, ?>> factory, JobQueue queue,
            ServerStats stats, PayloadCodec codec, Consumer<String> onFatal) {
        this.config = config;
        this.factory = factory;
        this.queue = queue;
        this.stats = stats;
        this.codec = codec;
        this.onFatal = onFatal;
        this.running = new WorkerSlot[config.maxWorkers()];
        this.minWorkers = config.numWorker();
        this.maxWorkers = config.maxWorkers();
    }

    /**
     * Starts every worker and waits until all have loaded their models.
     *
     * @throws IllegalStateException when a worker fails to load, or the start-up timeout passes
     */
    void start(Path tmpDir) {
        this.tmpDir[0] = tmpDir;
        for (int i = 0; i < config.numWorker(); i++) startSlot(i);
        long deadline = System.nanoTime() + config.startupTimeout().toNanos();
        for (WorkerSlot slot : List.copyOf(slots)) {
            int id = slot.stats().workerId();
            try {
                slot.loaded().get(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                throw new IllegalStateException("worker " + id + " failed to load its model: " + e.getCause(), e.getCause());
            } catch (TimeoutException e) {
                throw new IllegalStateException("worker " + id + " did not load its model within "
                        + config.startupTimeout().toSeconds() + " s (-startup_timeout)");
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for worker " + id);
            }
        }
        if (config.maxWorkers() > config.numWorker()) new Autoscaler(this, config).start();
    }

    /** Starts worker {@code id} on its device, on a new thread. */
    private synchronized WorkerSlot startSlot(int id) {
        int device = config.deviceOf(id);
        WorkerContext ctx = new WorkerContext(id, device, config, tmpDir[0], stats::custom);
        WorkerSlot slot = new WorkerSlot(this, ctx, stats.workerStats().get(id));
        Thread t = new Thread(slot, "wkr-worker-" + id);
        t.setDaemon(true);
        // WorkerSlot answers every failure of a model itself; anything that escapes is a bug in wkr.
        t.setUncaughtExceptionHandler((thread, e) -> {
            logger.error("{} died", thread.getName(), e);
            onFatal.accept(thread.getName() + " died: " + e);
        });
        running[id] = slot;
        // an elastic pool starts the same ids again and again: keep only the slots and threads that can still matter
        slots.removeIf(old -> old.stats().workerId() == id && old.stopped());
        threads.removeIf(old -> !old.isAlive() && old.getName().equals(t.getName()));
        slots.add(slot);
        threads.add(t);
        logger.info("worker {} -> {}", id, WorkerSlot.deviceName(device));
        t.start();
        return slot;
    }

    /** Workers running or starting (not retiring, not stopped). */
    synchronized int size() {
        int n = 0;
        for (WorkerSlot s : running) if (s != null && !s.retiring() && !s.stopped()) n++;
        return n;
    }

    /** Adds a worker when the pool is below its upper bound; false when it is not, or stopping. */
    synchronized boolean grow(String why) {
        if (stopping() || size() >= maxWorkers) return false;
        for (int id = 0; id < running.length; id++) {
            WorkerSlot s = running[id];
            if (s == null || s.stopped()) {
                logger.info("the pool grows to {} workers: {}", size() + 1, why);
                startSlot(id);
                return true;
            }
        }
        return false;
    }

    /**
     * Retires the worker with the highest id when the pool is above its lower bound: it finishes
     * the batch it runs, takes no other and stops; nothing queued is dropped.
     */
    synchronized boolean shrink(String why) {
        if (stopping() || size() <= minWorkers) return false;
        for (int id = running.length - 1; id >= 0; id--) {
            WorkerSlot s = running[id];
            if (s != null && !s.retiring() && !s.stopped()) {
                logger.info("the pool shrinks to {} workers: {}", size() - 1, why);
                s.retire();
                return true;
            }
        }
        return false;
    }

    /**
     * Sets the pool's bounds at run time and moves its size into them at once.
     *
     * @throws IllegalArgumentException unless {@code 1 <= min <= max <= maxWorkers()} of the config
     */
    synchronized void bounds(int min, int max) {
        if (min < 1 || min > max || max > running.length) {
            throw new IllegalArgumentException("worker bounds must satisfy 1 <= min_worker <= max_worker <= "
                    + running.length + " (the larger of -num_worker and -num_worker_expanded), got " + min + ".." + max);
        }
        minWorkers = min;
        maxWorkers = max;
        while (size() < min && grow("min_worker " + min)) {
            // grows one at a time
        }
        while (size() > max && shrink("max_worker " + max)) {
            // shrinks one at a time
        }
    }

    /** The pool's bounds for {@code GET} and {@code PUT /workers}. */
    io.wkr.server.internal.http.WorkerScaling scaling() {
        return new io.wkr.server.internal.http.WorkerScaling() {
            @Override
            public java.util.Map<String, Object> state() {
                java.util.Map<String, Object> m = new java.util.LinkedHashMap<>();
                m.put("min_worker", minWorkers);
                m.put("max_worker", maxWorkers);
                m.put("limit", running.length);
                m.put("workers", size());
                return m;
            }

            @Override
            public void bounds(int min, int max) {
                WorkerPool.this.bounds(min, max);
            }
        };
    }

    /** Busy nanoseconds of every worker so far, summed, and the workers running now. */
    synchronized long[] busyNanosAndSize() {
        long busy = 0;
        for (var w : stats.workerStats()) busy += w.busyNanos();
        return new long[] {busy, size()};
    }

    @SuppressWarnings("unchecked")
    WKRHardWorker<Object, Object, Object> newWorker() {
        return (WKRHardWorker<Object, Object, Object>) factory.get();
    }

    /** A fresh worker's model, loaded in this thread or in a child process ({@code -worker_mode}). */
    ModelHost load(WorkerContext context) throws Exception {
        WKRHardWorker<Object, Object, Object> worker = newWorker();
        return config.workerMode() == WorkerMode.PROCESS ? ProcessHost.start(worker, context) : ThreadHost.load(worker, context);
    }

    JobQueue queue() {
        return queue;
    }

    PayloadCodec codec() {
        return codec;
    }

    ServerStats stats() {
        return stats;
    }

    boolean stopping() {
        return stopSignal.getCount() == 0;
    }

    /**
     * True when every worker has loaded its model once and at least one can run a batch now (idle
     * or busy): false while all of them reload, or after every one gave up.
     */
    boolean ready() {
        boolean serving = false;
        for (WorkerSlot s : slots) {
            boolean base = s.stats().workerId() < config.numWorker();
            if (base && (!s.loaded().isDone() || s.loaded().isCompletedExceptionally())) return false;
            WorkerState state = s.stats().state();
            if (state == WorkerState.IDLE || state == WorkerState.BUSY) serving = true;
        }
        return serving;
    }

    void succeed(Job job, Object output) {
        job.succeed(output);
    }

    /** Answers a job with an error, unless someone answered it already. */
    void fail(Job job, ErrorCode code, String message) {
        job.fail(code, message);
    }

    /**
     * Lets the workers finish everything queued, then stop; waits until {@code timeout}. Whatever
     * is still queued or running after that is answered {@code SHUTTING_DOWN}.
     *
     * @return true when every worker stopped in time
     */
    boolean drain(Duration timeout) {
        stopSignal.countDown();
        long deadline = System.nanoTime() + timeout.toNanos();
        boolean clean = true;
        for (Thread t : threads) {
            try {
                t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            if (t.isAlive()) clean = false;
        }
        // Whatever is left (a stuck worker, or no worker alive to take it) is answered, never dropped.
        String msg = "server stopped before this request was run (drain timeout " + timeout.toSeconds() + " s)";
        int left = 0;
        for (Job job : queue.drainAll()) {
            fail(job, ErrorCode.SHUTTING_DOWN, msg);
            left++;
        }
        for (WorkerSlot s : slots) for (Job job : s.current()) fail(job, ErrorCode.SHUTTING_DOWN, msg);
        if (!clean || left > 0) {
            logger.warn("drain ended with {} queued requests and {} stuck workers; they were answered SHUTTING_DOWN",
                    left, clean ? 0 : "some");
        }
        return clean;
    }

    /** Number of workers with a loaded model. */
    int alive() {
        return alive.get();
    }

    void slotUp() {
        alive.incrementAndGet();
    }

    void slotDown() {
        alive.decrementAndGet();
    }

    /**
     * A worker gave up reloading its model; with none left, every queued request is failed and the
     * server is told to stop (a supervisor restarts it; staying up would answer every request with
     * {@code WORKER_FAILED} forever).
     */
    void slotLost(int workerId, Throwable cause) {
        if (alive.decrementAndGet() > 0) return;
        logger.error("worker {} was the last one alive: failing every queued request and stopping", workerId);
        for (Job job : queue.drainAll()) fail(job, ErrorCode.WORKER_FAILED, "no worker is alive to run this request");
        onFatal.accept("every worker failed to reload its model (last: " + cause + ")");
    }

    /** Something no worker can recover from (running out of memory): the server stops with a failure. */
    void fatal(String why, Throwable cause) {
        logger.error("{}; the server stops", why, cause);
        onFatal.accept(why + ": " + cause);
    }

    /** Waits {@code millis} unless the pool starts stopping meanwhile; false when it did. */
    boolean pauseUnlessStopping(long millis) {
        try {
            return !stopSignal.await(millis, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** Completes when the given worker has loaded (for tests and readiness). */
    CompletableFuture<Void> loaded(int workerId) {
        return running[workerId].loaded();
    }
}

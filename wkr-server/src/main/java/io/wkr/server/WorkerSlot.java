package io.wkr.server;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.WKRException;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.stats.WorkerStats;
import io.wkr.server.status.WorkerState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One worker: loads a model, then runs batches until the pool stops. An {@link Error} thrown by
 * the model fails its batch and replaces the worker instance (close, load again); an exception
 * fails only its batch. Runs on its own thread {@code wkr-worker-<id>}; all fields but {@code
 * current} are confined to it.
 */
final class WorkerSlot implements Runnable {
    private static final Logger logger = LoggerFactory.getLogger(WorkerSlot.class);
    private static final Duration POLL = Duration.ofMillis(50);
    private static final long MAX_BACKOFF_MILLIS = 30_000;

    private final WorkerPool pool;
    private final WorkerContext context;
    private final WorkerStats stats;
    private final CompletableFuture<Void> loaded = new CompletableFuture<>();
    private volatile List<Job> current = List.of();
    private volatile boolean retiring;
    private volatile boolean stopped;
    /** Loads that failed in a row since the model was last loaded. */
    private int failedLoads;
    /** Hosts that died in a row (process died, model threw an Error) since a batch last succeeded. */
    private int crashes;
    /** Counted among the pool's live workers (from the first load until it stops or gives up). */
    private boolean up;

    WorkerSlot(WorkerPool pool, WorkerContext context, WorkerStats stats) {
        this.pool = pool;
        this.context = context;
        this.stats = stats;
    }

    CompletableFuture<Void> loaded() {
        return loaded;
    }

    /** The batch being run right now (empty when idle). */
    List<Job> current() {
        return current;
    }

    WorkerStats stats() {
        return stats;
    }

    /** Asks this worker to leave the pool once its batch (if any) is done; it takes no other. */
    void retire() {
        retiring = true;
    }

    boolean retiring() {
        return retiring;
    }

    /** True once the worker's thread is done (retired, stopped, or given up). */
    boolean stopped() {
        return stopped;
    }

    @Override
    public void run() {
        try {
            while (true) {
                ModelHost host;
                try {
                    host = pool.load(context);
                } catch (Throwable t) {
                    if (loadFailed(t)) continue;
                    return;
                }
                failedLoads = 0;
                stats.state(WorkerState.IDLE);
                if (loaded.complete(null)) {
                    pool.slotUp();
                    up = true;
                }
                logger.info("worker {} ready on {}", context.workerId(), deviceName(context.deviceId()));
                try {
                    serve(host);
                    return;
                } catch (FatalModelError e) {
                    if (e.getCause() instanceof OutOfMemoryError oom) {
                        pool.fatal("worker " + context.workerId() + " ran out of memory", oom);
                        return;
                    }
                    logger.error("worker {} hit a fatal error and is being replaced", context.workerId(), e.getCause());
                    stats.state(WorkerState.RESTARTING);
                    stats.restarted();
                    stats.failed(String.valueOf(e.getCause()));
                } finally {
                    host.close();
                }
                if (!restartPause()) return;
            }
        } finally {
            if (stats.state() != WorkerState.FAILED) stats.state(WorkerState.STOPPED);
            if (up) pool.slotDown();
            stopped = true;
        }
    }

    /**
     * The model did not load. At start-up the server's start fails with the cause; after a fatal
     * error the worker tries again after 1, 2, 4 ... s, up to {@code -worker_reload_retries}
     * times, then gives up (the pool stops the server when no worker is left).
     *
     * @return true to try loading again
     */
    private boolean loadFailed(Throwable t) {
        if (t instanceof OutOfMemoryError) pool.fatal("worker " + context.workerId() + " ran out of memory loading its model", t);
        stats.failed(t.toString());
        if (!loaded.isDone()) {
            stats.state(WorkerState.FAILED);
            logger.error("worker {} could not load its model", context.workerId(), t);
            loaded.completeExceptionally(t);
            return false;
        }
        if (pool.stopping()) return false; // a drain: no reason to try again, nor to call it a failure
        failedLoads++;
        int retries = context.config().workerReloadRetries();
        if (failedLoads > retries) {
            stats.state(WorkerState.FAILED);
            logger.error("worker {} gave up: its model failed to load again {} times (-worker_reload_retries {})",
                    context.workerId(), failedLoads, retries, t);
            up = false;
            pool.slotLost(context.workerId(), t);
            return false;
        }
        long backoff = Math.min(MAX_BACKOFF_MILLIS, 1000L << Math.min(failedLoads - 1, 16));
        logger.warn("worker {} could not load its model again ({} of {} retries): {}; next try in {} ms",
                context.workerId(), failedLoads, retries, t.toString(), backoff);
        stats.state(WorkerState.RESTARTING);
        return pool.pauseUnlessStopping(backoff);
    }

    static String deviceName(int deviceId) {
        return deviceId < 0 ? "cpu" : "gpu " + deviceId;
    }

    /**
     * Waits before a replacement after the second crash in a row: 0.5, 1, 2 ... s, at most 30 s,
     * so a model that dies on every batch does not spin. A batch that succeeds resets the count.
     *
     * @return false when the pool stops meanwhile
     */
    private boolean restartPause() {
        crashes++;
        if (crashes < 2) return !pool.stopping();
        long pause = Math.min(MAX_BACKOFF_MILLIS, 500L << Math.min(crashes - 2, 16));
        logger.warn("worker {} crashed {} times in a row; next start in {} ms", context.workerId(), crashes, pause);
        return pool.pauseUnlessStopping(pause);
    }

    private void serve(ModelHost host) {
        int batchSize = context.config().batchSize();
        Duration delay = context.config().batchGroupTimeout();
        while (true) {
            List<Job> batch;
            try {
                batch = pool.queue().takeBatch(batchSize, delay, POLL);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            if (batch.isEmpty()) {
                if (pool.stopping() || retiring) return;
                continue;
            }
            current = batch;
            try {
                process(host, batch);
            } catch (RuntimeException | Error e) {
                // Whatever went wrong, no request of this batch is left without an answer.
                for (Job job : batch) pool.fail(job, ErrorCode.WORKER_FAILED, "worker " + context.workerId() + " failed: " + e);
                throw e instanceof FatalModelError f ? f : new FatalModelError(e);
            } finally {
                current = List.of();
            }
            if (retiring) return; // the batch it held is answered; the queue is the others'
        }
    }

    private void process(ModelHost host, List<Job> batch) {
        long now = System.nanoTime();
        PayloadCodec codec = pool.codec();
        Class<?> inputType = host.inputType();
        List<Job> live = new ArrayList<>(batch.size());
        List<Object> inputs = new ArrayList<>(batch.size());
        for (Job job : batch) {
            pool.stats().queueWait(now - job.arrivalNanos());
            if (job.expired(now)) {
                pool.fail(job, ErrorCode.TIMEOUT, "deadline passed after "
                        + (now - job.arrivalNanos()) / 1_000_000 + " ms in the queue; the request was not run");
                continue;
            }
            try {
                Object input = job.input() != null ? job.input() : codec.decode(job.payload(), job.info(), job::charge);
                // null (a Python client's None) only for workers that take any Object
                if (input == null ? inputType != Object.class : !inputType.isInstance(input)) {
                    throw new BadRequestException("this worker takes " + inputType.getSimpleName() + " inputs, got "
                            + (input == null ? "null" : input.getClass().getSimpleName()));
                }
                host.checkInput(input);
                inputs.add(input);
                live.add(job);
            } catch (WKRException e) {
                pool.fail(job, e.code(), e.getMessage()); // BAD_REQUEST, or OVERLOADED from the memory budget
            } catch (RuntimeException | StackOverflowError e) {
                // A hostile or broken payload (a huge claimed length, absurd nesting) fails alone.
                pool.fail(job, ErrorCode.BAD_REQUEST, "cannot decode the payload: " + e.getClass().getSimpleName());
            }
        }
        if (!live.isEmpty()) predict(host, live, inputs);
    }

    private void predict(ModelHost host, List<Job> live, List<Object> inputs) {
        stats.state(WorkerState.BUSY);
        long t0 = System.nanoTime();
        List<Object> outputs = null;
        Throwable failure = null;
        try {
            outputs = host.predict(inputs);
        } catch (Exception e) {
            failure = e;
        } catch (Error e) {
            failAll(live, e);
            throw new FatalModelError(e);
        } finally {
            long dt = System.nanoTime() - t0;
            pool.stats().batch(live.size(), dt);
            stats.state(WorkerState.IDLE);
        }
        if (failure != null) {
            failAll(live, failure);
            stats.batchDone(live.size(), true);
            return;
        }
        if (outputs == null || outputs.size() != live.size()) {
            String msg = "predict returned " + (outputs == null ? "null" : outputs.size() + " outputs")
                    + " for a batch of " + live.size() + " inputs; it must return one output per input";
            stats.failed(msg);
            logger.warn("worker {}: {}", context.workerId(), msg);
            for (Job job : live) pool.fail(job, ErrorCode.WORKER_FAILED, msg);
            stats.batchDone(live.size(), true);
            return;
        }
        stats.batchDone(live.size(), false);
        crashes = 0;
        for (int i = 0; i < live.size(); i++) pool.succeed(live.get(i), outputs.get(i));
    }

    private void failAll(List<Job> live, Throwable failure) {
        Set<String> clients = new HashSet<>();
        for (Job job : live) clients.add(new String(job.identity(), java.nio.charset.StandardCharsets.UTF_8));
        String msg = "model failed on a batch of " + live.size() + " requests from " + clients.size()
                + " clients: " + failure.getClass().getSimpleName() + ": " + failure.getMessage();
        stats.failed(failure.toString());
        logger.warn("worker {}: {}", context.workerId(), msg, failure);
        for (Job job : live) pool.fail(job, ErrorCode.WORKER_FAILED, msg);
    }

    /** An {@link Error} from the model, or anything unexpected: the batch is failed and the worker replaced. */
    private static final class FatalModelError extends RuntimeException {
        FatalModelError(Throwable cause) {
            super(cause);
        }
    }
}

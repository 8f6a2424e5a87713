package io.wkr.server.internal.stats;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.status.Batches;
import io.wkr.server.status.CustomStatistic;
import io.wkr.server.status.QueueState;
import io.wkr.server.status.Replies;
import io.wkr.server.status.Requests;
import io.wkr.server.status.ServerInfo;
import io.wkr.server.status.ServerSnapshot;
import io.wkr.server.status.Settings;
import io.wkr.server.status.WorkerSnapshot;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's live statistics. Written lock-free by the ventilator, the workers, the sink and
 * the HTTP edge through the recording methods; read as a {@link ServerSnapshot}. Bounded: no map
 * grows with the number of clients or requests.
 */
public final class ServerStats {
    private static final int MAX_CUSTOM_KEYS = 64;

    private final LongAdder received = new LongAdder();
    private final LongAdder accepted = new LongAdder();
    private final LongAdder succeeded = new LongAdder();
    private final LongAdder controlRequests = new LongAdder();
    private final LongAdder malformed = new LongAdder();
    private final LongAdder droppedReplies = new LongAdder();
    private final LongAdder droppedNoSubscriber = new LongAdder();
    private final LongAdder droppedSlowSubscriber = new LongAdder();
    private final LongAdder evictedSubscribers = new LongAdder();
    private final AtomicInteger subscribers = new AtomicInteger();
    private final LongAdder batches = new LongAdder();
    private final LongAdder batchedItems = new LongAdder();
    private final LatencyRecorder latency = new LatencyRecorder();
    private final LatencyRecorder queueWait = new LatencyRecorder();
    private final LatencyRecorder predict = new LatencyRecorder();
    private final RateMeter completedRate = new RateMeter();
    private final RateMeter receivedRate = new RateMeter();
    private final AtomicInteger activeClients = new AtomicInteger();
    private final EnumMap<ErrorCode, LongAdder> errors = new EnumMap<>(ErrorCode.class);
    private final AtomicLongArray batchSizes;
    private final Map<String, CustomStat> custom = new ConcurrentHashMap<>();
    private final List<WorkerStats> workers;
    private final int maxBatchSize;

    public ServerStats(int maxBatchSize, List<WorkerStats> workers) {
        this.maxBatchSize = maxBatchSize;
        this.batchSizes = new AtomicLongArray(maxBatchSize + 1);
        this.workers = List.copyOf(workers);
        for (ErrorCode c : ErrorCode.values()) errors.put(c, new LongAdder());
    }

    // ------------------------------------------------------------------------------ recording

    /** A data request arrived (ZeroMQ or HTTP), whatever becomes of it. */
    public void received() {
        received.increment();
        receivedRate.add(1);
    }

    /** A data request was put on the queue. */
    public void accepted() {
        accepted.increment();
    }

    /** A {@code SHOW_CONFIG} or {@code TERMINATION} request arrived. */
    public void controlRequest() {
        controlRequests.increment();
    }

    /** A message was not a well-formed request. */
    public void malformed() {
        malformed.increment();
    }

    /** An error reply of {@code code} (counted once per reply). */
    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    /** A data request was answered: {@code error} null for success. */
    public void completed(long arrivalNanos, ErrorCode error) {
        if (error == null) {
            succeeded.increment();
            latency.recordNanos(System.nanoTime() - arrivalNanos);
        } else {
            error(error);
        }
        completedRate.add(1);
    }

    /** A worker took a request off the queue after it waited {@code nanos}. */
    public void queueWait(long nanos) {
        queueWait.recordNanos(nanos);
    }

    /** A {@code predict} call on {@code size} inputs took {@code predictNanos}. */
    public void batch(int size, long predictNanos) {
        batches.increment();
        batchedItems.add(size);
        batchSizes.incrementAndGet(Math.min(size, maxBatchSize));
        predict.recordNanos(predictNanos);
    }

    /** A reply reached no client (see {@link Replies#dropped()}). */
    public void replyDropped() {
        droppedReplies.increment();
    }

    /** A reply reached no client because no connection subscribed to its identity. */
    public void replyDroppedNoSubscriber() {
        droppedReplies.increment();
        droppedNoSubscriber.increment();
    }

    /** A reply was dropped for one connection that does not read (or was closed holding it). */
    public void replyDroppedForSlowSubscriber() {
        droppedSlowSubscriber.increment();
    }

    /** A {@code port_out} connection was closed for not reading. */
    public void subscriberEvicted() {
        evictedSubscribers.increment();
    }

    /** There are {@code n} connections on {@code port_out} now. */
    public void subscribers(int n) {
        subscribers.set(n);
    }

    /** {@code n} client identities sent a data request in the last 180 s. */
    public void activeClients(int n) {
        activeClients.set(n);
    }

    /** Records user statistics from {@code recordStatistic}; at most 64 distinct keys are kept. */
    public void custom(Map<String, ? extends Number> values) {
        values.forEach((k, v) -> {
            if (v == null) return;
            CustomStat s = custom.get(k);
            if (s == null) {
                if (custom.size() >= MAX_CUSTOM_KEYS) return;
                s = custom.computeIfAbsent(k, key -> new CustomStat());
            }
            s.add(v.doubleValue());
        });
    }

    /** The per-worker statistics, one per worker, each written by its worker's thread. */
    public List<WorkerStats> workerStats() {
        return workers;
    }

    // ------------------------------------------------------------------------------ reading

    public Requests requests() {
        Map<ErrorCode, Long> byCode = new EnumMap<>(ErrorCode.class);
        long failed = 0;
        for (Map.Entry<ErrorCode, LongAdder> e : errors.entrySet()) {
            long n = e.getValue().sum();
            byCode.put(e.getKey(), n);
            failed += n;
        }
        return new Requests(received.sum(), accepted.sum(), succeeded.sum(), failed, controlRequests.sum(),
                malformed.sum(), droppedReplies.sum(), byCode);
    }

    /** @param replyMemory what replies waiting for subscribers hold ({@code -max_reply_bytes}) */
    public Replies replies(MemoryBudget replyMemory) {
        return new Replies(subscribers.get(), droppedReplies.sum(), droppedNoSubscriber.sum(),
                droppedSlowSubscriber.sum(), evictedSubscribers.sum(), replyMemory.used(), replyMemory.limit(),
                replyMemory.peak());
    }

    public Batches batches() {
        long count = batches.sum();
        long items = batchedItems.sum();
        Map<Integer, Long> sizes = new TreeMap<>();
        for (int i = 1; i < batchSizes.length(); i++) {
            long n = batchSizes.get(i);
            if (n > 0) sizes.put(i, n);
        }
        return new Batches(count, items, count == 0 ? 0.0 : items / (double) count, sizes);
    }

    /**
     * The whole snapshot: {@code server} and {@code settings} as given, the statistics read now.
     *
     * @param queueMemory what admitted requests hold ({@code -max_queue_bytes})
     * @param replyMemory what replies waiting for subscribers hold ({@code -max_reply_bytes})
     */
    public ServerSnapshot snapshot(ServerInfo server, Settings settings, int queueDepth, int queueCapacity,
            MemoryBudget queueMemory, MemoryBudget replyMemory) {
        List<WorkerSnapshot> ws = new ArrayList<>(workers.size());
        for (WorkerStats w : workers) ws.add(w.snapshot());
        Map<String, CustomStatistic> c = new TreeMap<>();
        custom.forEach((k, s) -> c.put(k, s.snapshot()));
        return new ServerSnapshot(server, settings, requests(), completedRate.perSecond(5), receivedRate.perSecond(5),
                new QueueState(queueDepth, queueCapacity, queueMemory.used(), queueMemory.limit(), queueMemory.peak()),
                batches(), latency.total(), latency.recent(), queueWait.total(), predict.total(), ws,
                activeClients.get(), replies(replyMemory), c);
    }

    private static final class CustomStat {
        private long count;
        private double sum;
        private double min = Double.POSITIVE_INFINITY;
        private double max = Double.NEGATIVE_INFINITY;
        private double last;

        synchronized void add(double v) {
            count++;
            sum += v;
            min = Math.min(min, v);
            max = Math.max(max, v);
            last = v;
        }

        synchronized CustomStatistic snapshot() {
            return count == 0 ? new CustomStatistic(0, 0.0, 0.0, 0.0, last)
                    : new CustomStatistic(count, sum / count, min, max, last);
        }
    }
}

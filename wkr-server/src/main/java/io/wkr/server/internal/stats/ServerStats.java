package io.wkr.server.internal.stats;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.internal.MemoryBudget;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The server's live statistics. Written lock-free by the ventilator, the workers and the sink;
 * read by status requests. Bounded: no map grows with the number of clients or requests.
 */
public final class ServerStats {
    private static final int MAX_CUSTOM_KEYS = 64;

    public final LongAdder received = new LongAdder();
    public final LongAdder accepted = new LongAdder();
    public final LongAdder succeeded = new LongAdder();
    public final LongAdder controlRequests = new LongAdder();
    public final LongAdder malformed = new LongAdder();
    /** Replies that reached no client: no subscriber, a subscriber that did not read, or a full sink queue. */
    public final LongAdder droppedReplies = new LongAdder();
    /** Of those: replies no connection subscribed to (the client was gone, or not subscribed yet). */
    public final LongAdder droppedNoSubscriber = new LongAdder();
    /** Of those: replies dropped for a subscriber that held too many unread replies, or was disconnected with them. */
    public final LongAdder droppedSlowSubscriber = new LongAdder();
    /** Subscribers disconnected for not reading (or not finishing the handshake) in time. */
    public final LongAdder evictedSubscribers = new LongAdder();
    /** Connections on port_out now. */
    public final AtomicInteger subscribers = new AtomicInteger();
    public final LongAdder batches = new LongAdder();
    public final LongAdder batchedItems = new LongAdder();
    public final LatencyRecorder latency = new LatencyRecorder();
    public final LatencyRecorder queueWait = new LatencyRecorder();
    public final LatencyRecorder predict = new LatencyRecorder();
    public final RateMeter completedRate = new RateMeter();
    public final RateMeter receivedRate = new RateMeter();
    public final AtomicInteger activeClients = new AtomicInteger();
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

    public void error(ErrorCode code) {
        errors.get(code).increment();
    }

    public long errors(ErrorCode code) {
        return errors.get(code).sum();
    }

    public long errorsTotal() {
        long n = 0;
        for (LongAdder a : errors.values()) n += a.sum();
        return n;
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

    public void batch(int size, long predictNanos) {
        batches.increment();
        batchedItems.add(size);
        batchSizes.incrementAndGet(Math.min(size, maxBatchSize));
        predict.recordNanos(predictNanos);
    }

    /** Batch-size histogram: index = size, value = number of batches of that size. */
    public long[] batchSizeCounts() {
        long[] out = new long[batchSizes.length()];
        for (int i = 0; i < out.length; i++) out[i] = batchSizes.get(i);
        return out;
    }

    public List<WorkerStats> workers() {
        return workers;
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

    /**
     * The statistics as the status reports them.
     *
     * @param queueMemory what admitted requests hold ({@code -max_queue_bytes})
     * @param replyMemory what replies waiting for subscribers hold ({@code -max_reply_bytes})
     */
    public Map<String, Object> toMap(int queueDepth, int queueCapacity, MemoryBudget queueMemory, MemoryBudget replyMemory) {
        Map<String, Object> m = new LinkedHashMap<>();
        Map<String, Object> req = new LinkedHashMap<>();
        req.put("received", received.sum());
        req.put("accepted", accepted.sum());
        req.put("succeeded", succeeded.sum());
        req.put("failed", errorsTotal());
        req.put("control", controlRequests.sum());
        req.put("malformed", malformed.sum());
        req.put("dropped_replies", droppedReplies.sum());
        Map<String, Object> byCode = new LinkedHashMap<>();
        errors.forEach((c, a) -> byCode.put(c.name(), a.sum()));
        req.put("errors", byCode);
        m.put("requests", req);
        m.put("throughput_rps", completedRate.perSecond(5));
        m.put("arrival_rps", receivedRate.perSecond(5));
        Map<String, Object> q = new LinkedHashMap<>();
        q.put("depth", queueDepth);
        q.put("capacity", queueCapacity);
        putBudget(q, "bytes", queueMemory);
        m.put("queue", q);
        Map<String, Object> b = new LinkedHashMap<>();
        long nb = batches.sum();
        b.put("count", nb);
        b.put("items", batchedItems.sum());
        b.put("mean_size", nb == 0 ? 0.0 : batchedItems.sum() / (double) nb);
        Map<String, Object> sizes = new LinkedHashMap<>();
        long[] counts = batchSizeCounts();
        for (int i = 1; i < counts.length; i++) if (counts[i] > 0) sizes.put(Integer.toString(i), counts[i]);
        b.put("sizes", sizes);
        m.put("batches", b);
        m.put("latency_ms", latency.toMillisMap());
        m.put("recent_latency_ms", latency.recentMillisMap());
        m.put("queue_wait_ms", queueWait.toMillisMap());
        m.put("predict_ms", predict.toMillisMap());
        List<Object> ws = new ArrayList<>();
        for (WorkerStats w : workers) ws.add(w.toMap());
        m.put("workers", ws);
        m.put("active_clients", activeClients.get());
        Map<String, Object> replies = new LinkedHashMap<>();
        replies.put("subscribers", subscribers.get());
        replies.put("dropped", droppedReplies.sum());
        replies.put("dropped_no_subscriber", droppedNoSubscriber.sum());
        replies.put("dropped_slow_subscriber", droppedSlowSubscriber.sum());
        replies.put("evicted_subscribers", evictedSubscribers.sum());
        putBudget(replies, "waiting_bytes", replyMemory);
        m.put("replies", replies);
        Map<String, Object> c = new LinkedHashMap<>();
        custom.forEach((k, s) -> c.put(k, s.toMap()));
        m.put("custom", c);
        return m;
    }

    private static void putBudget(Map<String, Object> m, String usedKey, MemoryBudget b) {
        m.put(usedKey, b.used());
        m.put("max_bytes", b.limit());
        m.put("peak_bytes", b.peak());
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

        synchronized Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("count", count);
            m.put("mean", count == 0 ? 0.0 : sum / count);
            m.put("min", count == 0 ? 0.0 : min);
            m.put("max", count == 0 ? 0.0 : max);
            m.put("last", last);
            return m;
        }
    }
}

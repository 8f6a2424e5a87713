package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.internal.stats.WorkerState;
import io.wkr.server.internal.stats.WorkerStats;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * Writes the server's statistics in the Prometheus text exposition format (version 0.0.4):
 * request and error counters by code, queue depth, inference vs execution counts, histograms of
 * batch size, queue wait, compute time and end-to-end latency, per-worker state, and the memory
 * budgets with the replies dropped by reason.
 */
final class PrometheusText {
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    private static final double[] SECONDS = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5,
        5, 10, 30};

    private final StringBuilder out = new StringBuilder(8192);

    private PrometheusText() {}

    static String render(ServerStats stats, int queueDepth, int queueCapacity, boolean ready, MemoryBudget queueMemory,
            MemoryBudget replyMemory) {
        PrometheusText p = new PrometheusText();
        p.write(stats, queueDepth, queueCapacity, ready);
        p.memory(stats, queueMemory, replyMemory);
        return p.out.toString();
    }

    private void memory(ServerStats s, MemoryBudget queueMemory, MemoryBudget replyMemory) {
        header("wkr_queue_bytes", "gauge", "Bytes admitted requests hold until answered (payloads, bodies, decoded data).");
        sample("wkr_queue_bytes", "", queueMemory.used());
        header("wkr_queue_max_bytes", "gauge", "-max_queue_bytes: past it new requests are answered OVERLOADED.");
        sample("wkr_queue_max_bytes", "", queueMemory.limit());
        header("wkr_reply_waiting_bytes", "gauge", "Bytes of replies waiting to be taken by their subscribers.");
        sample("wkr_reply_waiting_bytes", "", replyMemory.used());
        header("wkr_reply_max_bytes", "gauge", "-max_reply_bytes: workers wait for room past it.");
        sample("wkr_reply_max_bytes", "", replyMemory.limit());
        header("wkr_replies_dropped_total", "counter", "Replies that reached no client, by reason.");
        long noSubscriber = s.droppedNoSubscriber.sum();
        long slow = s.droppedSlowSubscriber.sum();
        sample("wkr_replies_dropped_total", label("reason", "no_subscriber"), noSubscriber);
        sample("wkr_replies_dropped_total", label("reason", "slow_subscriber"), slow);
        sample("wkr_replies_dropped_total", label("reason", "other"), Math.max(0, s.droppedReplies.sum() - noSubscriber - slow));
        header("wkr_subscribers", "gauge", "Connections on port_out.");
        sample("wkr_subscribers", "", s.subscribers.get());
        header("wkr_subscribers_evicted_total", "counter", "port_out connections closed for not reading their replies.");
        sample("wkr_subscribers_evicted_total", "", s.evictedSubscribers.sum());
    }

    private void write(ServerStats s, int queueDepth, int queueCapacity, boolean ready) {
        header("wkr_requests_received_total", "counter", "Data requests received (ZeroMQ and HTTP).");
        sample("wkr_requests_received_total", "", s.received.sum());
        header("wkr_requests_succeeded_total", "counter", "Data requests answered with a result.");
        sample("wkr_requests_succeeded_total", "", s.succeeded.sum());
        header("wkr_request_errors_total", "counter", "Data requests answered with an error, by error code.");
        for (ErrorCode c : ErrorCode.values()) sample("wkr_request_errors_total", label("code", c.name()), s.errors(c));
        header("wkr_malformed_messages_total", "counter", "Messages that were not a well-formed request.");
        sample("wkr_malformed_messages_total", "", s.malformed.sum());
        header("wkr_control_requests_total", "counter", "SHOW_CONFIG and TERMINATION requests.");
        sample("wkr_control_requests_total", "", s.controlRequests.sum());
        header("wkr_queue_depth", "gauge", "Requests waiting for a worker.");
        sample("wkr_queue_depth", "", queueDepth);
        header("wkr_queue_capacity", "gauge", "Requests that may wait before new ones are answered OVERLOADED.");
        sample("wkr_queue_capacity", "", queueCapacity);
        header("wkr_ready", "gauge", "1 when every worker has its model loaded and the server is not draining.");
        sample("wkr_ready", "", ready ? 1 : 0);
        header("wkr_active_clients", "gauge", "Client identities seen in the last 180 s.");
        sample("wkr_active_clients", "", s.activeClients.get());
        header("wkr_inference_count_total", "counter", "Requests run through predict (batch items).");
        sample("wkr_inference_count_total", "", s.batchedItems.sum());
        header("wkr_execution_count_total", "counter", "predict calls (batches); inference/execution = mean batch size.");
        sample("wkr_execution_count_total", "", s.batches.sum());
        batchSizes(s.batchSizeCounts());
        seconds("wkr_request_duration_seconds", "End-to-end latency of successful requests.", s.latency.snapshot());
        seconds("wkr_queue_duration_seconds", "Time requests waited in the queue before a worker took them.",
                s.queueWait.snapshot());
        seconds("wkr_compute_duration_seconds", "Time of one predict call (one batch).", s.predict.snapshot());
        workers(s);
    }

    private void workers(ServerStats s) {
        header("wkr_worker_busy", "gauge", "1 while the worker runs a batch.");
        for (WorkerStats w : s.workers()) sample("wkr_worker_busy", workerLabels(w), w.state() == WorkerState.BUSY ? 1 : 0);
        header("wkr_worker_up", "gauge", "1 while the worker has a model loaded (idle or busy).");
        for (WorkerStats w : s.workers()) {
            boolean up = w.state() == WorkerState.IDLE || w.state() == WorkerState.BUSY;
            sample("wkr_worker_up", workerLabels(w), up ? 1 : 0);
        }
        header("wkr_worker_batches_total", "counter", "Batches run by the worker.");
        for (WorkerStats w : s.workers()) sample("wkr_worker_batches_total", workerLabels(w), w.batches());
        header("wkr_worker_restarts_total", "counter", "Times the worker was replaced after a fatal error.");
        for (WorkerStats w : s.workers()) sample("wkr_worker_restarts_total", workerLabels(w), w.restarts());
        header("wkr_worker_busy_seconds_total", "counter", "Time the worker spent running batches.");
        for (WorkerStats w : s.workers()) {
            Map<String, Object> m = w.toMap();
            sample("wkr_worker_busy_seconds_total", workerLabels(w), ((Number) m.get("busy_seconds")).doubleValue());
        }
    }

    private static String workerLabels(WorkerStats w) {
        return "{worker=\"" + w.workerId() + "\",device=\"" + (w.deviceId() < 0 ? "cpu" : "gpu" + w.deviceId()) + "\"}";
    }

    private void batchSizes(long[] counts) {
        String name = "wkr_batch_size";
        header(name, "histogram", "Requests per predict call.");
        long cumulative = 0;
        long sum = 0;
        int max = counts.length - 1;
        int next = 1;
        for (int size = 1; size <= max; size++) {
            cumulative += counts[size];
            sum += counts[size] * (long) size;
            if (size == next || size == max) {
                sample(name + "_bucket", label("le", Integer.toString(size)), cumulative);
                next *= 2;
            }
        }
        sample(name + "_bucket", label("le", "+Inf"), cumulative);
        sample(name + "_sum", "", sum);
        sample(name + "_count", "", cumulative);
    }

    private void seconds(String name, String help, Histogram h) {
        header(name, "histogram", help);
        for (double le : SECONDS) {
            long micros = (long) (le * 1_000_000);
            long n = h.getTotalCount() == 0 ? 0 : h.getCountBetweenValues(0, micros);
            sample(name + "_bucket", label("le", format(le)), n);
        }
        sample(name + "_bucket", label("le", "+Inf"), h.getTotalCount());
        sample(name + "_sum", "", h.getTotalCount() == 0 ? 0 : h.getMean() * h.getTotalCount() / 1e6);
        sample(name + "_count", "", h.getTotalCount());
    }

    private void header(String name, String type, String help) {
        out.append("# HELP ").append(name).append(' ').append(help).append('\n');
        out.append("# TYPE ").append(name).append(' ').append(type).append('\n');
    }

    private static String label(String name, String value) {
        return "{" + name + "=\"" + value.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"}";
    }

    private void sample(String name, String labels, double value) {
        out.append(name).append(labels).append(' ').append(format(value)).append('\n');
    }

    private static String format(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e15) return Long.toString((long) v);
        return String.format(Locale.ROOT, "%s", v);
    }
}

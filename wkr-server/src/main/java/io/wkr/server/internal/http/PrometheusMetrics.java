package io.wkr.server.internal.http;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.model.registry.Collector;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot.HistogramDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.MetricMetadata;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.wkr.protocol.ErrorCode;
import io.wkr.server.status.Latency;
import io.wkr.server.status.ServerSnapshot;
import io.wkr.server.status.WorkerSnapshot;
import io.wkr.server.status.WorkerState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.function.ToDoubleFunction;

/**
 * {@code GET /metrics}: the server's metrics in the Prometheus text format (version 0.0.4),
 * written by the official Prometheus Java client from one {@link ServerSnapshot} per scrape, the
 * same kind of snapshot {@code /status} is made from.
 *
 * <p>Nothing here runs on the request path: the stages count into their own lock-free recorders
 * ({@code ServerStats}), and a scrape reads them once through the snapshot. Counters and gauges
 * are callback metrics ({@link CounterWithCallback}, {@link GaugeWithCallback}) that read the
 * snapshot of the scrape under way; the histograms are {@link Collector}s that turn its latency
 * and batch-size distributions into {@link HistogramSnapshot}s. Histogram counts and sums are
 * exact; the latency buckets come from HdrHistograms with 1 % resolution.
 */
final class PrometheusMetrics {
    static final String CONTENT_TYPE = PrometheusTextFormatWriter.CONTENT_TYPE;

    private final PrometheusRegistry registry = new PrometheusRegistry();
    private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
    /** The snapshot of the scrape under way, read by the callbacks; guarded by this. */
    private ServerSnapshot scraped;

    PrometheusMetrics() {
        counter("wkr_requests_received_total", "Data requests received (ZeroMQ and HTTP).",
                s -> s.requests().received());
        counter("wkr_requests_succeeded_total", "Data requests answered with a result.", s -> s.requests().succeeded());
        labelledCounter("wkr_request_errors_total", "Data requests answered with an error, by error code.", "code",
                s -> byName(s.requests().errors()));
        counter("wkr_malformed_messages_total", "Messages that were not a well-formed request.",
                s -> s.requests().malformed());
        counter("wkr_control_requests_total", "SHOW_CONFIG and TERMINATION requests.", s -> s.requests().control());
        gauge("wkr_queue_depth", "Requests waiting for a worker.", s -> s.queue().depth());
        gauge("wkr_queue_capacity", "Requests that may wait before new ones are answered OVERLOADED.",
                s -> s.queue().capacity());
        gauge("wkr_ready", "1 when every worker has its model loaded and the server is not draining.",
                s -> s.server().ready() ? 1 : 0);
        gauge("wkr_active_clients", "Client identities seen in the last 180 s.", ServerSnapshot::activeClients);
        counter("wkr_inference_count_total", "Requests run through predict (batch items).", s -> s.batches().items());
        counter("wkr_execution_count_total", "predict calls (batches); inference/execution = mean batch size.",
                s -> s.batches().count());
        registry.register(new Histogram("wkr_batch_size", "Requests per predict call.", PrometheusMetrics::batchSizes));
        latency("wkr_request_duration_seconds", "End-to-end latency of successful requests.",
                ServerSnapshot::latencyMs);
        latency("wkr_queue_duration_seconds", "Time requests waited in the queue before a worker took them.",
                ServerSnapshot::queueWaitMs);
        latency("wkr_compute_duration_seconds", "Time of one predict call (one batch).", ServerSnapshot::predictMs);
        workerGauge("wkr_worker_busy", "1 while the worker runs a batch.", w -> w.state() == WorkerState.BUSY ? 1 : 0);
        workerGauge("wkr_worker_up", "1 while the worker has a model loaded (idle or busy).",
                w -> w.state() == WorkerState.IDLE || w.state() == WorkerState.BUSY ? 1 : 0);
        workerCounter("wkr_worker_batches_total", "Batches run by the worker.", WorkerSnapshot::batches);
        workerCounter("wkr_worker_restarts_total", "Times the worker was replaced after a fatal error.",
                WorkerSnapshot::restarts);
        workerCounter("wkr_worker_busy_seconds_total", "Time the worker spent running batches.",
                WorkerSnapshot::busySeconds);
        gauge("wkr_queue_bytes", "Bytes admitted requests hold until answered (payloads, bodies, decoded data).",
                s -> s.queue().bytes());
        gauge("wkr_queue_max_bytes", "-max_queue_bytes: past it new requests are answered OVERLOADED.",
                s -> s.queue().maxBytes());
        gauge("wkr_reply_waiting_bytes", "Bytes of replies waiting to be taken by their subscribers.",
                s -> s.replies().waitingBytes());
        gauge("wkr_reply_max_bytes", "-max_reply_bytes: workers wait for room past it.", s -> s.replies().maxBytes());
        labelledCounter("wkr_replies_dropped_total", "Replies that reached no client, by reason.", "reason", s -> {
            long noSubscriber = s.replies().droppedNoSubscriber();
            long slow = s.replies().droppedSlowSubscriber();
            return Map.of("no_subscriber", (double) noSubscriber, "slow_subscriber", (double) slow,
                    "other", (double) Math.max(0, s.replies().dropped() - noSubscriber - slow));
        });
        gauge("wkr_subscribers", "Connections on port_out.", s -> s.replies().subscribers());
        counter("wkr_subscribers_evicted_total", "port_out connections closed for not reading their replies.",
                s -> s.replies().evictedSubscribers());
    }

    /** The metrics of {@code snapshot} in the text format. */
    synchronized byte[] render(ServerSnapshot snapshot) {
        scraped = snapshot;
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream(16_384);
            writer.write(out, registry.scrape());
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not throw
        } finally {
            scraped = null;
        }
    }

    private void counter(String name, String help, ToDoubleFunction<ServerSnapshot> value) {
        CounterWithCallback.builder().name(name).help(help)
                .callback(cb -> cb.call(value.applyAsDouble(scraped)))
                .register(registry);
    }

    private void labelledCounter(String name, String help, String label,
            Function<ServerSnapshot, Map<String, Double>> values) {
        CounterWithCallback.builder().name(name).help(help).labelNames(label)
                .callback(cb -> values.apply(scraped).forEach((v, n) -> cb.call(n, v)))
                .register(registry);
    }

    private void gauge(String name, String help, ToDoubleFunction<ServerSnapshot> value) {
        GaugeWithCallback.builder().name(name).help(help)
                .callback(cb -> cb.call(value.applyAsDouble(scraped)))
                .register(registry);
    }

    private void workerGauge(String name, String help, ToDoubleFunction<WorkerSnapshot> value) {
        GaugeWithCallback.builder().name(name).help(help).labelNames("worker", "device")
                .callback(cb -> scraped.workers().forEach(w -> cb.call(value.applyAsDouble(w), workerLabels(w))))
                .register(registry);
    }

    private void workerCounter(String name, String help, ToDoubleFunction<WorkerSnapshot> value) {
        CounterWithCallback.builder().name(name).help(help).labelNames("worker", "device")
                .callback(cb -> scraped.workers().forEach(w -> cb.call(value.applyAsDouble(w), workerLabels(w))))
                .register(registry);
    }

    private void latency(String name, String help, Function<ServerSnapshot, Latency> latency) {
        registry.register(new Histogram(name, help, s -> seconds(latency.apply(s))));
    }

    private static String[] workerLabels(WorkerSnapshot w) {
        return new String[] {Integer.toString(w.id()), w.device() < 0 ? "cpu" : "gpu" + w.device()};
    }

    private static Map<String, Double> byName(Map<ErrorCode, Long> counts) {
        Map<String, Double> m = new LinkedHashMap<>();
        counts.forEach((c, n) -> m.put(c.name(), (double) n));
        return m;
    }

    /** A latency distribution in seconds: the buckets as recorded, the exact sum. */
    private static HistogramDataPointSnapshot seconds(Latency l) {
        double[] bounds = new double[l.buckets().size()];
        long[] counts = new long[bounds.length];
        long below = 0;
        for (int i = 0; i < bounds.length; i++) {
            Latency.Bucket b = l.buckets().get(i);
            bounds[i] = b.leSeconds();
            counts[i] = b.count() - below; // the snapshot's buckets are cumulative, the model's are not
            below = b.count();
        }
        return HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(bounds, counts))
                .sum(l.sumNanos() / 1e9)
                .build();
    }

    /** Batch sizes in buckets 1, 2, 4, ... up to {@code batch_size}; the sum is the number of items. */
    private static HistogramDataPointSnapshot batchSizes(ServerSnapshot s) {
        int max = s.settings().batchSize();
        List<Double> bounds = new ArrayList<>();
        for (long b = 1; b < max; b *= 2) bounds.add((double) b);
        bounds.add((double) max);
        bounds.add(Double.POSITIVE_INFINITY);
        long[] counts = new long[bounds.size()];
        long sum = 0;
        for (Map.Entry<Integer, Long> e : s.batches().sizes().entrySet()) {
            int i = 0;
            while (bounds.get(i) < e.getKey()) i++;
            counts[i] += e.getValue();
            sum += (long) e.getKey() * e.getValue();
        }
        double[] b = new double[bounds.size()];
        for (int i = 0; i < b.length; i++) b[i] = bounds.get(i);
        return HistogramDataPointSnapshot.builder()
                .classicHistogramBuckets(ClassicHistogramBuckets.of(b, counts))
                .sum(sum)
                .build();
    }

    /** A histogram with one series, read from the snapshot of the scrape under way. */
    private final class Histogram implements Collector {
        private final MetricMetadata metadata;
        private final Function<ServerSnapshot, HistogramDataPointSnapshot> data;

        Histogram(String name, String help, Function<ServerSnapshot, HistogramDataPointSnapshot> data) {
            this.metadata = new MetricMetadata(name, help);
            this.data = data;
        }

        @Override
        public MetricSnapshot collect() {
            return new HistogramSnapshot(metadata, List.of(data.apply(scraped)));
        }

        @Override
        public String getPrometheusName() {
            return metadata.getPrometheusName();
        }
    }
}

package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Protocol;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.internal.stats.WorkerStats;
import io.wkr.server.status.ServerInfo;
import io.wkr.server.status.ServerSnapshot;
import io.wkr.server.status.Settings;
import io.wkr.server.status.WorkerState;
import io.wkr.server.testing.MetricsChecks;
import io.wkr.server.testing.PrometheusScrape;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code /metrics} from statistics whose every value the test knows: histogram sums and counts are
 * exact, buckets hold what was recorded, and the page is what docs/http.md lists.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PrometheusMetricsTest {
    private final WorkerStats worker = new WorkerStats(0, 1);
    private final ServerStats stats = new ServerStats(8, List.of(worker));

    private ServerSnapshot snapshot() {
        ServerConfig config = ServerConfig.builder().modelDir(Path.of("/tmp")).batchSize(8).build();
        ServerInfo info = new ServerInfo(Protocol.OBJ, "2.1.0", "0.1.0", "17", "W", "READY", true, 1, 2, null, 1 << 30,
                Instant.EPOCH, Instant.EPOCH, 0.0);
        MemoryBudget queue = new MemoryBudget("max_queue_bytes", 1000);
        MemoryBudget replies = new MemoryBudget("max_reply_bytes", 2000);
        return stats.snapshot(info, Settings.of(config), 3, 16, queue, replies);
    }

    private PrometheusScrape scrape(ServerSnapshot s) throws Exception {
        return PrometheusScrape.parse(new String(new PrometheusMetrics().render(s), StandardCharsets.UTF_8));
    }

    @Test
    void shouldWriteExactHistogramSumsAndCounts() throws Exception {
        long[] waits = {1_234_567, 2_000_001, 7, 45_000_000_123L}; // ns; the last one past every bound but +Inf
        for (long w : waits) stats.queueWait(w);
        stats.batch(3, 987_654_321);
        stats.batch(1, 5);
        stats.batch(8, 1_500_000_000);
        stats.batch(5, 2);

        ServerSnapshot s = snapshot();
        PrometheusScrape m = scrape(s);
        MetricsChecks.documentedFamiliesOnly(m);
        MetricsChecks.histogramsConsistent(m);

        long waitSum = 1_234_567 + 2_000_001 + 7 + 45_000_000_123L;
        assertThat(m.value("wkr_queue_duration_seconds_sum")).isEqualTo(waitSum / 1e9);
        assertThat(m.value("wkr_queue_duration_seconds_count")).isEqualTo(4);
        assertThat(m.value("wkr_queue_duration_seconds_bucket", "le", "0.001")).as("7 ns").isEqualTo(1);
        assertThat(m.value("wkr_queue_duration_seconds_bucket", "le", "30.0")).as("all but 45 s").isEqualTo(3);
        assertThat(s.queueWaitMs().mean()).as("/status: the same exact sum").isEqualTo(waitSum / 1e6 / 4);

        long computeSum = 987_654_321L + 5 + 1_500_000_000L + 2;
        assertThat(m.value("wkr_compute_duration_seconds_sum")).isEqualTo(computeSum / 1e9);
        assertThat(m.value("wkr_compute_duration_seconds_count")).isEqualTo(4);

        assertThat(m.value("wkr_batch_size_sum")).isEqualTo(3 + 1 + 8 + 5);
        assertThat(m.value("wkr_batch_size_count")).isEqualTo(4);
        assertThat(m.value("wkr_batch_size_bucket", "le", "1.0")).isEqualTo(1);
        assertThat(m.value("wkr_batch_size_bucket", "le", "2.0")).isEqualTo(1);
        assertThat(m.value("wkr_batch_size_bucket", "le", "4.0")).isEqualTo(2);
        assertThat(m.value("wkr_batch_size_bucket", "le", "8.0")).isEqualTo(4);
        assertThat(m.value("wkr_batch_size_bucket", "le", "+Inf")).isEqualTo(4);
        assertThat(m.value("wkr_execution_count_total")).isEqualTo(4);
        assertThat(m.value("wkr_inference_count_total")).isEqualTo(17);
    }

    @Test
    void shouldReadEveryOtherMetricFromTheSnapshot() throws Exception {
        stats.received();
        stats.received();
        stats.received();
        stats.accepted();
        stats.completed(System.nanoTime(), null);
        stats.completed(System.nanoTime(), ErrorCode.TIMEOUT);
        stats.controlRequest();
        stats.malformed();
        stats.replyDroppedNoSubscriber();
        stats.replyDropped();
        stats.replyDroppedForSlowSubscriber();
        stats.subscriberEvicted();
        stats.subscribers(5);
        stats.activeClients(2);
        worker.state(WorkerState.IDLE);
        worker.batchDone(4, false);
        worker.restarted();

        PrometheusScrape m = scrape(snapshot());
        assertThat(m.value("wkr_requests_received_total")).isEqualTo(3);
        assertThat(m.value("wkr_requests_succeeded_total")).isEqualTo(1);
        assertThat(m.value("wkr_request_errors_total", "code", "TIMEOUT")).isEqualTo(1);
        assertThat(m.value("wkr_request_errors_total", "code", "OVERLOADED")).isZero();
        assertThat(m.value("wkr_request_duration_seconds_count")).isEqualTo(1);
        assertThat(m.value("wkr_control_requests_total")).isEqualTo(1);
        assertThat(m.value("wkr_malformed_messages_total")).isEqualTo(1);
        assertThat(m.value("wkr_queue_depth")).isEqualTo(3);
        assertThat(m.value("wkr_queue_capacity")).isEqualTo(16);
        assertThat(m.value("wkr_queue_max_bytes")).isEqualTo(1000);
        assertThat(m.value("wkr_reply_max_bytes")).isEqualTo(2000);
        assertThat(m.value("wkr_ready")).isEqualTo(1);
        assertThat(m.value("wkr_active_clients")).isEqualTo(2);
        assertThat(m.value("wkr_replies_dropped_total", "reason", "no_subscriber")).isEqualTo(1);
        assertThat(m.value("wkr_replies_dropped_total", "reason", "slow_subscriber")).isEqualTo(1);
        assertThat(m.value("wkr_replies_dropped_total", "reason", "other")).isZero();
        assertThat(m.value("wkr_subscribers")).isEqualTo(5);
        assertThat(m.value("wkr_subscribers_evicted_total")).isEqualTo(1);
        assertThat(m.value("wkr_worker_up", "worker", "0", "device", "gpu1")).isEqualTo(1);
        assertThat(m.value("wkr_worker_busy", "worker", "0", "device", "gpu1")).isZero();
        assertThat(m.value("wkr_worker_batches_total", "worker", "0", "device", "gpu1")).isEqualTo(1);
        assertThat(m.value("wkr_worker_restarts_total", "worker", "0", "device", "gpu1")).isEqualTo(1);
    }
}

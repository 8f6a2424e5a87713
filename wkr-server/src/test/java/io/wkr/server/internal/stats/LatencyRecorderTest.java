package io.wkr.server.internal.stats;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.wkr.server.status.Latency;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LatencyRecorderTest {

    @Test
    void shouldKeepExactSumsAndMeans() {
        LatencyRecorder r = new LatencyRecorder();
        r.recordNanos(1_234_567);
        r.recordNanos(2_000_001);
        r.recordNanos(-5); // a clock step: counted as 0
        Latency l = r.total();
        assertThat(l.count()).isEqualTo(3);
        assertThat(l.sumNanos()).isEqualTo(3_234_568);
        assertThat(l.mean()).isEqualTo(3_234_568 / 1e6 / 3);
        assertThat(l.p50()).isCloseTo(1.234, within(0.02));
        assertThat(l.buckets()).last().isEqualTo(new Latency.Bucket(Double.POSITIVE_INFINITY, 3));
        assertThat(r.recent()).isEqualTo(l);
        assertThat(r.total()).as("reading twice counts nothing twice").isEqualTo(l);
    }

    @Test
    void shouldAgreeOnCountAndSumAtEveryReadWhileThreadsRecord() throws Exception {
        LatencyRecorder r = new LatencyRecorder();
        int threads = 3;
        int each = 200_000;
        CountDownLatch done = new CountDownLatch(threads);
        List<Thread> writers = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread w = new Thread(() -> {
                for (int i = 0; i < each; i++) r.recordNanos(7_000);
                done.countDown();
            }, "wkr-test-writer-" + t);
            writers.add(w);
            w.start();
        }
        int reads = 0;
        while (done.getCount() > 0 || reads == 0) {
            Latency l = r.total();
            // one value recorded again and again: any read whose sum and count came from different
            // moments would show it
            assertThat(l.sumNanos()).as("read " + reads).isEqualTo(l.count() * 7_000);
            reads++;
        }
        for (Thread w : writers) w.join();
        Latency l = r.total();
        assertThat(l.count()).isEqualTo((long) threads * each);
        assertThat(l.sumNanos()).isEqualTo((long) threads * each * 7_000);
        assertThat(l.mean()).isEqualTo(0.007);
    }
}

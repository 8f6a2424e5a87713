package io.wkr.server.internal.batching;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class JobQueueTest {
    private static final Duration POLL = Duration.ofMillis(20);
    private static final Completion NO_REPLY = new Completion() {
        @Override
        public void succeeded(Job job, Object output) {}

        @Override
        public void failed(Job job, io.wkr.protocol.ErrorCode code, String message) {}
    };

    private static Job job(int n) {
        return new Job(new byte[] {'c'}, Integer.toString(n).getBytes(), new byte[0], Map.of(), null, 0, NO_REPLY, System.nanoTime(), Job.NO_DEADLINE);
    }

    private static String ids(List<Job> batch) {
        StringBuilder b = new StringBuilder();
        for (Job j : batch) b.append(new String(j.requestId())).append(' ');
        return b.toString().strip();
    }

    @Test
    void shouldTakeWhatIsQueuedUpToTheBatchSizeInArrivalOrder() throws Exception {
        JobQueue q = new JobQueue(100);
        for (int i = 1; i <= 10; i++) assertThat(q.offer(job(i))).isTrue();
        assertThat(ids(q.takeBatch(4, Duration.ZERO, POLL))).isEqualTo("1 2 3 4");
        assertThat(ids(q.takeBatch(4, Duration.ZERO, POLL))).isEqualTo("5 6 7 8");
        assertThat(ids(q.takeBatch(4, Duration.ZERO, POLL))).isEqualTo("9 10");
        assertThat(q.takeBatch(4, Duration.ZERO, POLL)).isEmpty();
    }

    @Test
    void shouldRefuseWhenFull() {
        JobQueue q = new JobQueue(2);
        assertThat(q.offer(job(1))).isTrue();
        assertThat(q.offer(job(2))).isTrue();
        assertThat(q.offer(job(3))).isFalse();
        assertThat(q.size()).isEqualTo(2);
    }

    @Test
    void shouldWaitForMoreOnlyWithADelayAndOnlyUntilTheBatchIsFull() throws Exception {
        JobQueue q = new JobQueue(100);
        q.offer(job(1));
        CompletableFuture<List<Job>> batch = CompletableFuture.supplyAsync(() -> {
            try {
                return q.takeBatch(3, Duration.ofSeconds(20), POLL);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        // The taker waits (up to 20 s) for two more; it returns as soon as the batch is full.
        q.offer(job(2));
        q.offer(job(3));
        q.offer(job(4));
        assertThat(ids(batch.get(10, TimeUnit.SECONDS))).isEqualTo("1 2 3");
        assertThat(q.size()).isEqualTo(1);
    }

    @Test
    void shouldNotWaitWithoutADelay() throws Exception {
        JobQueue q = new JobQueue(100);
        q.offer(job(1));
        long t0 = System.nanoTime();
        assertThat(q.takeBatch(32, Duration.ZERO, Duration.ofSeconds(20))).hasSize(1);
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(10));
    }

    @Test
    void shouldReturnWhatItHasWhenTheDelayRunsOut() throws Exception {
        JobQueue q = new JobQueue(100);
        q.offer(job(1));
        q.offer(job(2));
        assertThat(ids(q.takeBatch(32, Duration.ofMillis(30), POLL))).isEqualTo("1 2");
    }

    @Test
    void shouldRemoveOnlyExpiredJobsAndKeepTheOthersInOrder() throws Exception {
        JobQueue q = new JobQueue(100);
        long now = System.nanoTime();
        q.offer(job(1));
        q.offer(new Job(new byte[] {'c'}, "2".getBytes(), new byte[0], Map.of(), null, 0, NO_REPLY, now, now + 1_000_000));
        q.offer(job(3));
        q.offer(new Job(new byte[] {'c'}, "4".getBytes(), new byte[0], Map.of(), null, 0, NO_REPLY, now, now + 60_000_000_000L));
        assertThat(ids(q.removeExpired(now + 2_000_000))).isEqualTo("2");
        assertThat(ids(q.takeBatch(10, Duration.ZERO, POLL))).isEqualTo("1 3 4");
    }

    @Test
    void shouldExpireOnlyJobsWithADeadlineInThePast() {
        long now = System.nanoTime();
        Job j = new Job(new byte[] {'c'}, new byte[] {'1'}, new byte[0], Map.of(), null, 0, NO_REPLY, now, now + 1_000_000);
        assertThat(j.expired(now)).isFalse();
        assertThat(j.expired(now + 2_000_000)).isTrue();
        assertThat(job(1).expired(Long.MAX_VALUE - 1)).isFalse();
        assertThat(j.tryComplete()).isTrue();
        assertThat(j.tryComplete()).isFalse();
    }
}

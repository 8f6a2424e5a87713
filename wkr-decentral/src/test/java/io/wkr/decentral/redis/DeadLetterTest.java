package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.protocol.ErrorCode;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.StreamEntryID;

/** Jobs that always fail end in the dead-letter stream after N deliveries and hold nobody up. */
@Timeout(90)
class DeadLetterTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir Path dir;
    private RedisServer redisServer;
    private WKRServer server;
    private WKRDecentralizeCentral central;
    private JobQueue queue;
    private final TestWorker.Controls controls = new TestWorker.Controls();

    @BeforeEach
    void start() throws Exception {
        redisServer = RedisServer.start(dir.resolve("redis"));
        // batch_size 1: a model exception fails its whole batch, and this test is about the poison job alone
        server = Cluster.server(dir.resolve("s1"), controls, 0, 0, 1);
        JobsConfig jobs = Cluster.jobs().maxDeliveries(3).retryBackoff(Duration.ofMillis(400)).build();
        central = new WKRDecentralizeCentral(Cluster.central(redisServer, jobs, server).build(), JobUnit::new);
        central.start();
        queue = new JobQueue(Cluster.redis(redisServer), jobs);
    }

    @AfterEach
    void stop() throws Exception {
        if (queue != null) queue.close();
        if (central != null) central.close();
        if (server != null) server.close();
        redisServer.close();
    }

    @Test
    void shouldMoveAJobThatAlwaysFailsToTheDeadLetterStreamAfterMaxDeliveriesWithoutBlockingOthers() {
        List<String> before = new ArrayList<>();
        for (int i = 0; i < 100; i++) before.add("a-" + i);
        List<String> after = new ArrayList<>();
        for (int i = 0; i < 300; i++) after.add("b-" + i);
        List<String> beforeIds = queue.submitAll(before);
        String poison = queue.submit(TestWorker.POISON);
        List<String> afterIds = queue.submitAll(after);

        JobResult dead = queue.await(poison, WAIT);
        assertThat(dead.state()).isEqualTo(JobState.FAILED);
        assertThat(dead.deliveries()).isEqualTo(3);
        assertThat(dead.error()).startsWith("WORKER_FAILED").contains("cannot digest poison");
        assertThatThrownBy(() -> queue.result(poison, WAIT)).isInstanceOfSatisfying(JobFailedException.class, e -> {
            assertThat(e.code()).isEqualTo(ErrorCode.WORKER_FAILED);
            assertThat(e.deliveries()).isEqualTo(3);
            assertThat(e.getMessage()).contains(poison).contains("cannot digest poison");
        });
        assertThat(controls.seen(TestWorker.POISON)).isEqualTo(3);

        List<DeadLetter> letters = queue.deadLetters(10);
        assertThat(letters).hasSize(1);
        DeadLetter letter = letters.get(0);
        assertThat(letter.jobId()).isEqualTo(poison);
        assertThat(letter.payload()).isEqualTo(TestWorker.POISON);
        assertThat(letter.deliveries()).isEqualTo(3);
        assertThat(letter.error()).isEqualTo(dead.error());
        assertThat(letter.server()).isEqualTo("127.0.0.1:" + server.portIn());
        assertThat(queue.status(poison)).extracting(JobStatus::state, JobStatus::deliveries)
                .containsExactly(JobState.FAILED, 3L);

        // Every other job finished, and those behind the poison job did not wait for it to die.
        long latestGood = 0;
        for (String id : concat(beforeIds, afterIds)) {
            JobResult r = queue.await(id, WAIT);
            assertThat(r.state()).isEqualTo(JobState.DONE);
            assertThat(r.deliveries()).isEqualTo(1);
            latestGood = Math.max(latestGood, r.finishedMillis());
        }
        assertThat(latestGood).as("good jobs finished before the poison job was given up")
                .isLessThan(dead.finishedMillis());
        Await.until(() -> queue.stats().unfinished() == 0, WAIT, "stream drained");
        assertThat(queue.stats()).extracting(QueueStats::dead, QueueStats::inFlight).containsExactly(1L, 0L);
    }

    @Test
    void shouldDeadLetterAJobThatCannotBeDecodedAtOnce() {
        String id;
        try (RedisClient r = RedisClient.create(redisServer.host(), redisServer.port())) {
            id = r.xadd(queue.jobs().stream(), StreamEntryID.NEW_ENTRY, Map.of("type", "mystery", "data", "?")).toString();
        }
        String good = queue.submit("fine");
        JobResult res = queue.await(id, WAIT);
        assertThat(res.state()).isEqualTo(JobState.FAILED);
        assertThat(res.deliveries()).isEqualTo(1);
        assertThat(res.error()).startsWith("BAD_REQUEST").contains("unknown payload type 'mystery'");
        assertThat(queue.result(good, WAIT)).isEqualTo("fine");
        assertThat(queue.deadLetters(10)).singleElement().satisfies(d -> {
            assertThat(d.jobId()).isEqualTo(id);
            assertThat(d.payload()).isEqualTo("?".getBytes(StandardCharsets.UTF_8));
        });
        assertThat(controls.total()).isEqualTo(1); // the bad one never reached the model
    }

    @Test
    void shouldDeadLetterMalformedEntriesAtOnceWithoutRestartingAUnit() {
        String deep = "[".repeat(100) + "]".repeat(100);
        List<Map<String, String>> bad = List.of(
                Map.of("type", "json", "data", "{\"a\": 1"),
                Map.of("type", "json", "data", "{\"a\": 1} trailing"),
                Map.of("type", "json", "data", "{\"a\": 1, \"a\": 2}"),
                Map.of("type", "json", "data", deep),
                Map.of("type", "json", "data", "NaN"),
                Map.of("type", "tensor", "data", "abcd", "dtype", "float32", "shape", "[1, 1"),
                Map.of("type", "tensor", "data", "abcd", "dtype", "float32", "shape", "{\"n\": 1}"),
                Map.of("type", "tensor", "data", "abcd", "dtype", "float32", "shape", "[-1]"),
                Map.of("type", "tensor", "data", "abcd", "dtype", "float32", "shape", "[1.5]"),
                Map.of("type", "tensor", "data", "abcd", "dtype", "float32", "shape", "[3]"),
                Map.of("type", "tensor", "data", "abcd", "dtype", "complex512", "shape", "[1]"),
                Map.of("type", "tensor", "data", "abcd", "dtype", "float32"),
                Map.of("type", "text"),
                Map.of("data", "no type"));
        List<String> ids = new ArrayList<>();
        try (RedisClient r = RedisClient.create(redisServer.host(), redisServer.port())) {
            for (Map<String, String> fields : bad) {
                ids.add(r.xadd(queue.jobs().stream(), StreamEntryID.NEW_ENTRY, fields).toString());
            }
        }
        String good = queue.submit("fine");
        for (int i = 0; i < ids.size(); i++) {
            JobResult res = queue.await(ids.get(i), WAIT);
            assertThat(res.state()).as(bad.get(i).toString()).isEqualTo(JobState.FAILED);
            assertThat(res.deliveries()).as(bad.get(i).toString()).isEqualTo(1);
            assertThat(res.error()).as(bad.get(i).toString()).startsWith("BAD_REQUEST");
        }
        assertThat(queue.result(good, WAIT)).isEqualTo("fine");
        assertThat(queue.deadLetters(100)).hasSize(bad.size());
        assertThat(controls.total()).isEqualTo(1); // none of the bad ones reached the model
        // a unit counts a finished batch just after it stores the results a caller can already read
        Await.until(() -> Long.valueOf(bad.size()).equals(central.status().totals().get("jobs_dead"))
                && Long.valueOf(1).equals(central.status().totals().get("jobs_done")), WAIT, "the finished jobs counted");
        assertThat(central.status().totals()).containsEntry("jobs_dead", (long) bad.size()).containsEntry("jobs_done", 1L)
                .doesNotContainKey("unit_failures");
        assertThat(central.status().units()).allMatch(u -> u.restarts() == 0);
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}

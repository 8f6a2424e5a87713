package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.protocol.Tensor;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/** Jobs through Redis, units and real servers: payload kinds, and 10 000 jobs over 2 servers. */
@Timeout(120)
class JobPipelineTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir Path dir;
    private RedisServer redisServer;
    private final List<AutoCloseable> closeables = new ArrayList<>();

    @BeforeEach
    void startRedis() throws Exception {
        redisServer = RedisServer.start(dir.resolve("redis"));
    }

    @AfterEach
    void stopAll() throws Exception {
        for (int i = closeables.size() - 1; i >= 0; i--) closeables.get(i).close();
        redisServer.close();
    }

    private <T extends AutoCloseable> T closeLater(T c) {
        closeables.add(c);
        return c;
    }

    @Test
    void shouldCarryBytesTextJsonAndTensorsToTheServerAndBack() throws Exception {
        TestWorker.Controls controls = new TestWorker.Controls();
        WKRServer server = closeLater(Cluster.server(dir.resolve("s1"), controls));
        JobsConfig jobs = Cluster.jobs().build();
        WKRDecentralizeCentral central = closeLater(new WKRDecentralizeCentral(
                Cluster.central(redisServer, jobs, server).numClient(1).build(), JobUnit::new));
        central.start();
        JobQueue queue = closeLater(new JobQueue(Cluster.redis(redisServer), jobs));

        Map<String, Object> json = new LinkedHashMap<>();
        json.put("text", "héllo");
        json.put("n", 42L);
        json.put("list", List.of(1L, 2.5, true));
        Tensor tensor = Tensor.of(new float[] {1.5f, -2f, 3f, 4f}, 2, 2);
        byte[] bytes = {0, (byte) 0xff, 10, 13};

        String t = queue.submit("plain text");
        String b = queue.submit(bytes);
        String j = queue.submit(json);
        String x = queue.submit(tensor);
        String n = queue.submit(7L);

        assertThat(queue.result(t, WAIT)).isEqualTo("plain text");
        assertThat((byte[]) queue.result(b, WAIT)).isEqualTo(bytes);
        assertThat(queue.result(j, WAIT)).isEqualTo(json);
        assertThat(queue.result(x, WAIT)).isEqualTo(tensor);
        assertThat(queue.result(n, WAIT)).isEqualTo(7L);

        JobResult r = queue.await(t, WAIT);
        assertThat(r.state()).isEqualTo(JobState.DONE);
        assertThat(r.deliveries()).isEqualTo(1);
        assertThat(r.server()).isEqualTo("127.0.0.1:" + server.portIn());
        assertThat(queue.status(t)).extracting(JobStatus::state, JobStatus::deliveries).containsExactly(JobState.DONE, 1L);
        assertThat(queue.status("1-0").state()).isEqualTo(JobState.UNKNOWN);
        Await.until(() -> queue.stats().unfinished() == 0, WAIT, "finished jobs leave the stream");
        assertThat(queue.stats()).extracting(QueueStats::inFlight, QueueStats::dead).containsExactly(0L, 0L);
    }

    @Test
    void shouldStoreExactlyOneResultForEachOf10000JobsSpreadOverTwoServersWithFourUnitsEach() throws Exception {
        TestWorker.Controls controls = new TestWorker.Controls();
        WKRServer s1 = closeLater(Cluster.server(dir.resolve("s1"), controls));
        WKRServer s2 = closeLater(Cluster.server(dir.resolve("s2"), controls));
        JobsConfig jobs = Cluster.jobs().build();
        JobQueue queue = closeLater(new JobQueue(Cluster.redis(redisServer), jobs));
        List<String> payloads = new ArrayList<>();
        for (int i = 0; i < 10_000; i++) payloads.add("job-" + i);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < payloads.size(); i += 500) ids.addAll(queue.submitAll(payloads.subList(i, i + 500)));

        WKRDecentralizeCentral central = closeLater(new WKRDecentralizeCentral(
                Cluster.central(redisServer, jobs, s1, s2).numClient(4).build(), JobUnit::new));
        long t0 = System.nanoTime();
        central.start();
        Await.until(() -> queue.stats().unfinished() == 0, WAIT, "all 10 000 jobs finished");
        double seconds = (System.nanoTime() - t0) / 1e9;

        Map<String, Integer> perServer = new HashMap<>();
        try (RedisClient r = RedisClient.create(redisServer.host(), redisServer.port())) {
            assertThat(resultKeys(r, jobs)).hasSize(10_000);
        }
        for (int i = 0; i < ids.size(); i++) {
            JobResult res = queue.await(ids.get(i), Duration.ofSeconds(1));
            assertThat(res.value()).isEqualTo(payloads.get(i));
            perServer.merge(res.server(), 1, Integer::sum);
        }
        assertThat(perServer).containsOnlyKeys("127.0.0.1:" + s1.portIn(), "127.0.0.1:" + s2.portIn());
        assertThat(perServer.values()).allMatch(n -> n >= 1000);
        Map<String, Long> totals = central.status().totals();
        assertThat(totals.get("jobs_done")).isEqualTo(10_000L);
        assertThat(queue.stats()).extracting(QueueStats::inFlight, QueueStats::dead).containsExactly(0L, 0L);
        System.out.printf("10000 jobs in %.2f s (%.0f jobs/s), per server %s, totals %s%n", seconds,
                10_000 / seconds, perServer, totals);
    }

    @Test
    void shouldForgetConsumersOfGoneUnitsOnlyOnceTheyHoldNoJobs() throws Exception {
        TestWorker.Controls controls = new TestWorker.Controls();
        WKRServer server = closeLater(Cluster.server(dir.resolve("s1"), controls));
        JobsConfig jobs = Cluster.jobs().visibilityTimeout(Duration.ofMillis(100)).build();
        JobQueue queue = closeLater(new JobQueue(Cluster.redis(redisServer), jobs));
        String orphan = queue.submit("orphan");
        try (RedisClient r = RedisClient.create(redisServer.host(), redisServer.port())) {
            r.xgroupCreateConsumer(jobs.stream(), jobs.group(), "gone-idle");
            // "gone-busy" takes the job and dies with it
            r.xreadGroup(jobs.group(), "gone-busy", redis.clients.jedis.params.XReadGroupParams.xReadGroupParams().count(1),
                    Map.of(jobs.stream(), redis.clients.jedis.StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
            WKRDecentralizeCentral central = closeLater(new WKRDecentralizeCentral(
                    Cluster.central(redisServer, jobs, server).numClient(1).build(), JobUnit::new));
            central.start();
            JobResult res = queue.await(orphan, WAIT);
            assertThat(res.deliveries()).isEqualTo(2);
            Await.until(() -> r.xinfoConsumers2(jobs.stream(), jobs.group()).stream()
                    .noneMatch(c -> c.getName().startsWith("gone-")), WAIT, "consumers of gone units forgotten");
            assertThat(r.xinfoConsumers2(jobs.stream(), jobs.group())).hasSize(1); // the live unit
        }
    }

    static List<String> resultKeys(RedisClient r, JobsConfig jobs) {
        List<String> keys = new ArrayList<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = r.scan(cursor, new ScanParams().match(jobs.stream() + ":result:*").count(1000));
            keys.addAll(page.getResult());
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return keys;
    }

    static String utf8(byte[] b) {
        return new String(b, StandardCharsets.UTF_8);
    }
}

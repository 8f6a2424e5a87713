package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;

/**
 * Redis killed and restarted on the same port during a run: units reconnect and carry on. With an
 * fsync-always append-only file nothing acknowledged is lost: every result stored before the
 * crash is still there, unchanged, and every job finishes exactly once. Without persistence Redis
 * comes back empty; then the units recreate the group and new jobs flow.
 */
@Timeout(120)
class RedisOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir Path dir;

    @Test
    void shouldCarryOnAfterADurableRedisIsKilledAndRestartedWithoutLosingAcknowledgedWork() throws Exception {
        TestWorker.Controls controls = new TestWorker.Controls();
        controls.delayMillis = 10;
        JobsConfig jobs = Cluster.jobs().maxInFlight(4).maxDeliveries(5).build();
        try (RedisServer redis = RedisServer.startDurable(dir.resolve("redis"))) {
            WKRServer s1 = Cluster.server(dir.resolve("s1"), controls);
            WKRServer s2 = Cluster.server(dir.resolve("s2"), controls);
            WKRDecentralizeCentral central = new WKRDecentralizeCentral(
                    Cluster.central(redis, jobs, s1, s2).build(), JobUnit::new);
            try (JobQueue queue = new JobQueue(Cluster.redis(redis), jobs)) {
                List<String> ids = queue.submitAll(ServerOutageTest.payloads("a", 1500));
                central.start();
                Await.until(() -> ServerOutageTest.jobsDone(central) >= 300, WAIT, "300 jobs done");
                Map<String, Long> before = finishedAt(queue, ids); // results Redis acknowledged
                assertThat(before.size()).isGreaterThanOrEqualTo(300);
                redis.kill(); // SIGKILL: a crash
                redis.restart(); // same port and directory: replays the append-only file
                for (String id : before.keySet()) assertThat(queue.poll(id)).as("%s survived the crash", id).isPresent();

                Await.until(() -> unitsRestarted(central) >= 1, WAIT, "units noticed the outage");
                List<String> more = queue.submitAll(ServerOutageTest.payloads("b", 300));
                for (String id : concat(ids, more)) {
                    JobResult r = queue.await(id, WAIT);
                    assertThat(r.state()).as(id).isEqualTo(JobState.DONE);
                    Long t = before.get(id);
                    if (t != null) assertThat(r.finishedMillis()).as("result of %s kept as it was", id).isEqualTo(t);
                }
                Await.until(() -> queue.stats().unfinished() == 0, WAIT, "stream drained");
                assertThat(queue.stats()).extracting(QueueStats::dead, QueueStats::inFlight).containsExactly(0L, 0L);
                try (RedisClient r = RedisClient.create(redis.host(), redis.port())) {
                    assertThat(JobPipelineTest.resultKeys(r, jobs)).hasSize(1800);
                }
                for (String p : ServerOutageTest.payloads("a", 1500)) assertThat(controls.seen(p)).as(p).isBetween(1, 2);
            } finally {
                central.close();
                s1.close();
                s2.close();
            }
        }
    }

    @Test
    void shouldRecreateTheGroupAndGoOnWhenRedisComesBackEmpty() throws Exception {
        TestWorker.Controls controls = new TestWorker.Controls();
        JobsConfig jobs = Cluster.jobs().build();
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"))) {
            WKRServer s1 = Cluster.server(dir.resolve("s1"), controls);
            WKRDecentralizeCentral central = new WKRDecentralizeCentral(
                    Cluster.central(redis, jobs, s1).build(), JobUnit::new);
            try {
                central.start();
                try (JobQueue queue = new JobQueue(Cluster.redis(redis), jobs)) {
                    assertThat(queue.result(queue.submit("before"), WAIT)).isEqualTo("before");
                }
                redis.restart(); // no persistence: the stream, the group and the results are gone
                try (JobQueue queue = new JobQueue(Cluster.redis(redis), jobs)) {
                    List<String> ids = queue.submitAll(ServerOutageTest.payloads("after", 200));
                    for (String id : ids) assertThat(queue.await(id, WAIT).state()).isEqualTo(JobState.DONE);
                }
            } finally {
                central.close();
                s1.close();
            }
        }
    }

    private static Map<String, Long> finishedAt(JobQueue queue, List<String> ids) {
        Map<String, Long> out = new HashMap<>();
        for (String id : ids) queue.poll(id).ifPresent(r -> out.put(id, r.finishedMillis()));
        return out;
    }

    private static long unitsRestarted(WKRDecentralizeCentral central) {
        return central.status().units().stream().filter(u -> u.restarts() > 0).count();
    }

    private static List<String> concat(List<String> a, List<String> b) {
        List<String> out = new java.util.ArrayList<>(a);
        out.addAll(b);
        return out;
    }
}

package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.cli.DecentralStart;
import io.wkr.decentral.testing.ChildProcess;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * A central (its own JVM) is killed with SIGKILL while its units have jobs in flight. Another
 * central's unit reclaims those jobs after the visibility timeout and completes them: no job is
 * lost, and a job the dead unit had already sent shows up only as a second delivery, never as a
 * second stored result.
 */
@Timeout(120)
class UnitKillTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir Path dir;

    @Test
    void shouldReclaimAndCompleteTheJobsOfAUnitKilledMidJob() throws Exception {
        TestWorker.Controls controls = new TestWorker.Controls();
        controls.delayMillis = 100; // model time: jobs stay in flight long enough to be caught there
        JobsConfig jobs = Cluster.jobs().visibilityTimeout(Duration.ofSeconds(2)).maxInFlight(8)
                .requestTimeout(Duration.ofSeconds(5)).build();
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"));
                JobQueue queue = new JobQueue(Cluster.redis(redis), jobs);
                RedisClient raw = RedisClient.create(redis.host(), redis.port())) {
            WKRServer server = Cluster.server(dir.resolve("s1"), controls);
            List<String> payloads = ServerOutageTest.payloads("k", 300);
            List<String> ids = queue.submitAll(payloads);
            Set<String> inFlightAtKill = new HashSet<>();
            try (ChildProcess victim = ChildProcess.java(dir, DecentralStart.class, JobUnit.class.getName(),
                    "-remote_servers", "[[\"127.0.0.1\", " + server.portIn() + ", " + server.portOut() + "]]",
                    "-num_client", "2", "-redis_host", redis.host(), "-redis_port", "" + redis.port(),
                    "-visibility_timeout", "2000", "-max_in_flight", "8", "-timeout", "5000", "-token_file",
                    dir.resolve("victim.token").toString())) {
                victim.await(Pattern.compile("wkr-decentral-start ready:"), WAIT);
                Await.until(() -> ServerOutageTest.payloads("k", 300).stream().filter(p -> controls.seen(p) > 0).count() >= 40
                        && pending(raw, jobs).size() >= 8, WAIT, "the victim's units busy");
                victim.kill();
                for (StreamPendingEntry e : pending(raw, jobs)) inFlightAtKill.add(e.getID().toString());
            }
            assertThat(inFlightAtKill).isNotEmpty();

            WKRDecentralizeCentral survivor = new WKRDecentralizeCentral(
                    Cluster.central(redis, jobs, server).numClient(1).build(), JobUnit::new);
            try {
                survivor.start();
                int redelivered = 0;
                for (int i = 0; i < ids.size(); i++) {
                    JobResult r = queue.await(ids.get(i), WAIT);
                    assertThat(r.state()).isEqualTo(JobState.DONE);
                    assertThat(r.value()).isEqualTo(payloads.get(i));
                    int seen = controls.seen(payloads.get(i));
                    assertThat(seen).as("model runs of %s", payloads.get(i)).isBetween(1, 2);
                    if (inFlightAtKill.contains(ids.get(i))) {
                        assertThat(r.deliveries()).as("a reclaimed job's delivery").isGreaterThanOrEqualTo(2);
                        assertThat(r.consumer()).contains(Long.toString(ProcessHandle.current().pid()));
                        redelivered++;
                    } else {
                        assertThat(seen).as("only jobs caught in flight ran twice").isEqualTo(1);
                    }
                }
                assertThat(redelivered).isEqualTo(inFlightAtKill.size());
                assertThat(JobPipelineTest.resultKeys(raw, jobs)).hasSize(300);
                Await.until(() -> queue.stats().unfinished() == 0, WAIT, "stream drained");
                assertThat(queue.stats()).extracting(QueueStats::dead, QueueStats::inFlight).containsExactly(0L, 0L);
            } finally {
                survivor.close();
                server.close();
            }
        }
    }

    private static List<StreamPendingEntry> pending(RedisClient raw, JobsConfig jobs) {
        return raw.xpending(jobs.stream(), jobs.group(), XPendingParams.xPendingParams("-", "+", 1000));
    }
}

package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.RemoteServer;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** A remote server that stops: its share moves to the other; back on the same ports, it is used again. */
@Timeout(120)
class ServerOutageTest {
    private static final Duration WAIT = Duration.ofSeconds(60);

    @TempDir Path dir;

    @Test
    void shouldMoveTheShareOfAStoppedServerToTheOtherAndUseItAgainWhenItIsBack() throws Exception {
        TestWorker.Controls controls = new TestWorker.Controls();
        controls.delayMillis = 20; // model time: the run lasts long enough to stop a server in the middle
        JobsConfig jobs = Cluster.jobs().requestTimeout(Duration.ofSeconds(1)).maxDeliveries(3).maxInFlight(4).build();
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"));
                JobQueue queue = new JobQueue(Cluster.redis(redis), jobs)) {
            WKRServer s1 = Cluster.server(dir.resolve("s1"), controls);
            WKRServer s2 = Cluster.server(dir.resolve("s2"), controls);
            String a1 = "127.0.0.1:" + s1.portIn();
            String a2 = "127.0.0.1:" + s2.portIn();
            WKRDecentralizeCentral central = new WKRDecentralizeCentral(
                    Cluster.central(redis, jobs, s1, s2).build(), JobUnit::new);
            central.start();
            try {
                List<String> first = queue.submitAll(payloads("a", 1500));
                Await.until(() -> jobsDone(central) >= 300, WAIT, "300 jobs done");
                long stoppedAt = System.currentTimeMillis();
                s2.close(); // drains what it had, then its ports are gone

                Map<String, Integer> afterStop = new HashMap<>();
                for (String id : first) {
                    JobResult r = queue.await(id, WAIT);
                    assertThat(r.state()).as(id).isEqualTo(JobState.DONE);
                    if (r.finishedMillis() > stoppedAt + 200) afterStop.merge(r.server(), 1, Integer::sum);
                }
                assertThat(afterStop).as("results stored well after the stop").containsOnlyKeys(a1);
                assertThat(afterStop.get(a1)).isGreaterThan(100);
                Await.until(() -> serverUnits(central, s2, "BACKOFF") + serverUnits(central, s2, "STARTING") == 2,
                        WAIT, "the stopped server's units out of rotation");

                WKRServer back = Cluster.server(dir.resolve("s2b"), controls, s2.portIn(), s2.portOut(), 10);
                try {
                    Await.until(() -> serverUnits(central, back, "RUNNING") == 2, WAIT, "units use the server again");
                    List<String> second = queue.submitAll(payloads("b", 600));
                    Map<String, Integer> perServer = new HashMap<>();
                    for (String id : second) perServer.merge(queue.await(id, WAIT).server(), 1, Integer::sum);
                    assertThat(perServer).containsOnlyKeys(a1, a2);
                    assertThat(perServer.get(a2)).isGreaterThan(50);
                    assertThat(jobsDone(central)).as("each job stored once").isEqualTo(2100);
                } finally {
                    central.close();
                    back.close();
                }
                Await.until(() -> queue.stats().unfinished() == 0, WAIT, "stream drained");
                assertThat(queue.stats()).extracting(QueueStats::dead, QueueStats::inFlight).containsExactly(0L, 0L);
            } finally {
                central.close();
                s1.close();
            }
        }
    }

    static List<String> payloads(String prefix, int n) {
        List<String> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(prefix + "-" + i);
        return out;
    }

    static long jobsDone(WKRDecentralizeCentral central) {
        return central.status().totals().getOrDefault("jobs_done", 0L);
    }

    static long serverUnits(WKRDecentralizeCentral central, WKRServer server, String state) {
        RemoteServer address = new RemoteServer("127.0.0.1", server.portIn(), server.portOut());
        return central.status().units().stream()
                .filter(u -> u.server().equals(address) && u.state().name().equals(state)).count();
    }
}

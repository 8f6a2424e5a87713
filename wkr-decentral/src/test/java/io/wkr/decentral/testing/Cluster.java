package io.wkr.decentral.testing;

import io.wkr.decentral.DecentralConfig;
import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.RedisConfig;
import io.wkr.decentral.RemoteServer;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Test helpers: wkr servers with a {@link TestWorker}, and configs pointing at them. */
public final class Cluster {
    private Cluster() {}

    /** A started server with a {@link TestWorker} on ephemeral loopback ports. */
    public static WKRServer server(Path dir, TestWorker.Controls controls) throws Exception {
        return server(dir, controls, 0, 0, 10);
    }

    /** A started server on the given ports (0 = ephemeral), e.g. to come back on the ports of one that stopped. */
    public static WKRServer server(Path dir, TestWorker.Controls controls, int portIn, int portOut, int batchSize)
            throws Exception {
        Files.createDirectories(dir);
        ServerConfig config = TestServers.config(dir).portIn(portIn).portOut(portOut).numWorker(2)
                .batchSize(batchSize).drainTimeout(Duration.ofSeconds(5)).build();
        return TestServers.start(config, () -> new TestWorker(controls));
    }

    public static RemoteServer remote(WKRServer s) {
        return new RemoteServer("127.0.0.1", s.portIn(), s.portOut());
    }

    public static List<RemoteServer> remotes(WKRServer... servers) {
        List<RemoteServer> out = new ArrayList<>();
        for (WKRServer s : servers) out.add(remote(s));
        return out;
    }

    public static RedisConfig redis(RedisServer r) {
        return RedisConfig.of(r.host(), r.port()).withTimeout(Duration.ofSeconds(2));
    }

    /** Fast-reacting pipeline settings for tests. */
    public static JobsConfig.Builder jobs() {
        return JobsConfig.builder().visibilityTimeout(Duration.ofSeconds(2)).retryBackoff(Duration.ofMillis(50))
                .requestTimeout(Duration.ofSeconds(3)).maxDeliveries(3).maxInFlight(16);
    }

    /** A central config for these servers: no control socket, no HTTP, short backoffs. */
    public static DecentralConfig.Builder central(RedisServer r, JobsConfig jobs, WKRServer... servers) {
        return DecentralConfig.builder(remotes(servers)).numClient(2).controlPort(null).redis(redis(r)).jobs(jobs)
                .restartBackoff(Duration.ofMillis(50), Duration.ofMillis(500)).stopTimeout(Duration.ofSeconds(10));
    }
}

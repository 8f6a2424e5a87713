package io.wkr.decentral.bench;

import io.wkr.client.ClientConfig;
import io.wkr.client.ConcurrentWKRClient;
import io.wkr.decentral.DecentralConfig;
import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.RedisConfig;
import io.wkr.decentral.RemoteServer;
import io.wkr.decentral.UnitState;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.redis.JobQueue;
import io.wkr.decentral.redis.JobUnit;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.Protocol;
import redis.clients.jedis.RedisClient;

/**
 * Jobs per second through Redis → unit → server → Redis (the decentral pipeline with {@link
 * JobUnit}s and an echo worker) against the same jobs sent straight to the same server with a
 * {@link ConcurrentWKRClient} at the same concurrency, in one run. Not a test: run it with {@code
 * scripts/wkr-decentral-bench [jobs] [units] [in_flight] [runs] [payload_bytes] [model_ms]}
 * ({@code model_ms}: a pause per batch in the server's worker, 0 = a pure echo).
 *
 * <p>Direct: {@code units} connections, {@code units × in_flight} requests in flight. Decentral:
 * {@code units} units of one central, {@code in_flight} jobs each; the timer runs from the first
 * submit (all jobs submitted at once, in pipelined batches) until the last result is stored.
 */
public final class DecentralBenchmark {
    private DecentralBenchmark() {}

    public static void main(String[] args) throws Exception {
        int jobs = arg(args, 0, 20_000);
        int units = arg(args, 1, 4);
        int inFlight = arg(args, 2, 16);
        int runs = arg(args, 3, 3);
        int payloadBytes = arg(args, 4, 64);
        int modelMillis = arg(args, 5, 0);
        Path dir = Files.createTempDirectory("wkr-decentral-bench");
        System.out.printf("wkr decentral benchmark: %d jobs of %d bytes, %d units x %d in flight, %d runs, "
                + "model %d ms per batch, %d cores%n", jobs, payloadBytes, units, inFlight, runs, modelMillis,
                Runtime.getRuntime().availableProcessors());
        List<String> payloads = new ArrayList<>(jobs);
        for (int i = 0; i < jobs; i++) payloads.add(payload(i, payloadBytes));
        TestWorker.Controls echo = new TestWorker.Controls();
        echo.delayMillis = modelMillis;
        ServerConfig sc = TestServers.config(dir.resolve("server")).numWorker(2).batchSize(32).maxQueueSize(4096).build();
        Files.createDirectories(dir.resolve("server"));
        double[] direct = new double[runs];
        double[] decentral = new double[runs];
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"));
                WKRServer server = TestServers.start(sc, () -> new TestWorker(echo))) {
            RemoteServer remote = new RemoteServer("127.0.0.1", server.portIn(), server.portOut());
            warmUp(redis, remote, payloads, units, inFlight);
            for (int r = 0; r < runs; r++) {
                direct[r] = direct(remote, payloads, units, inFlight);
                decentral[r] = decentral(redis, remote, payloads, units, inFlight, "bench" + r);
                System.out.printf("run %d: direct %,.0f jobs/s, decentral %,.0f jobs/s (%.2f of direct)%n", r + 1,
                        direct[r], decentral[r], decentral[r] / direct[r]);
            }
        }
        double d = median(direct);
        double c = median(decentral);
        System.out.printf("median of %d: direct %,.0f jobs/s, decentral %,.0f jobs/s, ratio %.2f%n", runs, d, c, c / d);
    }

    private static void warmUp(RedisServer redis, RemoteServer remote, List<String> payloads, int units, int inFlight)
            throws Exception {
        direct(remote, payloads, units, inFlight);
        decentral(redis, remote, payloads, units, inFlight, "warmup");
    }

    /** Jobs/s sent straight to the server with at most {@code units × inFlight} in flight. */
    static double direct(RemoteServer remote, List<String> payloads, int units, int inFlight) throws Exception {
        ClientConfig config = ClientConfig.builder(remote.host(), remote.portIn(), remote.portOut())
                .timeout(Duration.ofSeconds(60)).build();
        try (ConcurrentWKRClient client = new ConcurrentWKRClient(config, units)) {
            Semaphore window = new Semaphore(units * inFlight);
            List<CompletableFuture<Object>> all = new ArrayList<>(payloads.size());
            long t0 = System.nanoTime();
            for (String p : payloads) {
                window.acquire();
                CompletableFuture<Object> f = client.encodeAsync(p);
                f.whenComplete((v, e) -> window.release());
                all.add(f);
            }
            CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).get(120, TimeUnit.SECONDS);
            double s = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < payloads.size(); i += 997) {
                if (!payloads.get(i).equals(all.get(i).get())) throw new IllegalStateException("wrong echo " + i);
            }
            return payloads.size() / s;
        }
    }

    /** Jobs/s from the first submit until the last result is stored, through Redis and the units. */
    static double decentral(RedisServer redis, RemoteServer remote, List<String> payloads, int units, int inFlight,
            String stream) throws Exception {
        RedisConfig rc = RedisConfig.of(redis.host(), redis.port());
        JobsConfig jobs = JobsConfig.builder().stream(stream).maxInFlight(inFlight).build();
        DecentralConfig config = DecentralConfig.builder(List.of(remote)).numClient(units).controlPort(null).redis(rc)
                .jobs(jobs).build();
        try (JobQueue queue = new JobQueue(rc, jobs);
                WKRDecentralizeCentral central = new WKRDecentralizeCentral(config, JobUnit::new)) {
            central.start();
            awaitRunning(central, units);
            long t0 = System.nanoTime();
            List<String> ids = new ArrayList<>(payloads.size());
            for (int i = 0; i < payloads.size(); i += 1000) {
                ids.addAll(queue.submitAll(payloads.subList(i, Math.min(payloads.size(), i + 1000))));
            }
            double submitted = (System.nanoTime() - t0) / 1e9;
            while (jobsDone(central) < payloads.size()) LockSupport.parkNanos(2_000_000);
            double s = (System.nanoTime() - t0) / 1e9;
            for (int i = 0; i < ids.size(); i += 997) {
                if (!payloads.get(i).equals(queue.result(ids.get(i), Duration.ofSeconds(5)))) {
                    throw new IllegalStateException("wrong result " + i);
                }
            }
            System.out.printf("  (decentral: %d jobs submitted in %.2f s = %,.0f submits/s)%n", payloads.size(), submitted,
                    payloads.size() / submitted);
            return payloads.size() / s;
        } finally {
            try (RedisClient r = RedisClient.create(redis.host(), redis.port())) {
                if (System.getenv("WKR_BENCH_REDIS_STATS") != null) {
                    System.out.println(r.info("commandstats"));
                    r.sendCommand(Protocol.Command.CONFIG, "RESETSTAT");
                }
                r.flushAll(); // after the units stopped: the next run starts from an empty Redis
            }
        }
    }

    private static long jobsDone(WKRDecentralizeCentral central) {
        return central.status().totals().getOrDefault("jobs_done", 0L);
    }

    private static void awaitRunning(WKRDecentralizeCentral central, int units) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (central.status().units().stream().filter(u -> u.state() == UnitState.RUNNING).count() < units) {
            if (System.nanoTime() > deadline) throw new IllegalStateException("units not running: " + central.status());
            LockSupport.parkNanos(5_000_000);
        }
    }

    private static String payload(int i, int bytes) {
        StringBuilder b = new StringBuilder("job-").append(i).append('-');
        while (b.length() < bytes) b.append('x');
        return b.toString();
    }

    private static int arg(String[] args, int i, int fallback) {
        return args.length > i ? Integer.parseInt(args[i]) : fallback;
    }

    private static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}

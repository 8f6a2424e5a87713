package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.client.ConcurrentWKRClient;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.WKRException;
import io.wkr.server.config.WorkerMode;
import io.wkr.server.status.WorkerSnapshot;
import io.wkr.server.status.WorkerState;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.SleepyWorker;
import io.wkr.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The elastic pool in both worker modes: under load the pool grows from 1 to 3 workers, and when
 * the load stops it shrinks back to 1; every request sent is answered (none lost while workers
 * come and go).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ElasticPoolTest {
    @TempDir Path dir;

    private static long running(WKRServer server) {
        return server.snapshot().workers().stream().map(WorkerSnapshot::state)
                .filter(s -> s == WorkerState.IDLE || s == WorkerState.BUSY || s == WorkerState.LOADING).count();
    }

    @ParameterizedTest
    @EnumSource(WorkerMode.class)
    void growsUnderLoadAndShrinksWhenIdleWithoutLosingARequest(WorkerMode mode) throws Exception {
        try (WKRServer server = TestServers.start(TestServers.config(dir).workerMode(mode).numWorker(1).numWorkerExpanded(3)
                .batchSize(2).busyUtilThreshold(0.5).durationExpand(Duration.ofMillis(300))
                .durationSqueeze(Duration.ofMillis(600)).build(), SleepyWorker::new);
                ConcurrentWKRClient client = new ConcurrentWKRClient(TestServers.client(server).timeout(Duration.ofSeconds(60))
                        .build(), 4)) {
            assertThat(server.snapshot().workers()).hasSize(3);
            assertThat(running(server)).isEqualTo(1);
            AtomicBoolean load = new AtomicBoolean(true);
            AtomicLong sent = new AtomicLong();
            AtomicLong ok = new AtomicLong();
            Map<ErrorCode, AtomicLong> errors = new ConcurrentHashMap<>();
            List<Thread> callers = new ArrayList<>();
            for (int c = 0; c < 16; c++) {
                Thread t = new Thread(() -> {
                    while (load.get()) {
                        long n = sent.incrementAndGet();
                        try {
                            assertThat(client.encode("r" + n)).isEqualTo("r" + n);
                            ok.incrementAndGet();
                        } catch (WKRException e) {
                            errors.computeIfAbsent(e.code(), k -> new AtomicLong()).incrementAndGet();
                        }
                    }
                });
                t.setDaemon(true);
                t.start();
                callers.add(t);
            }
            Await.until(() -> running(server) == 3, Duration.ofSeconds(60), "the pool grows to 3 workers under load");
            load.set(false);
            for (Thread t : callers) t.join(60_000);
            long answered = ok.get() + errors.values().stream().mapToLong(AtomicLong::get).sum();
            assertThat(answered).as("every request answered").isEqualTo(sent.get());
            assertThat(errors).as("no request failed while the pool grew").isEmpty();
            Await.until(() -> running(server) == 1, Duration.ofSeconds(60), "the pool shrinks back to 1 worker when idle");
            assertThat(server.snapshot().requests().succeeded()).isEqualTo(ok.get());
            assertThat((String) client.encode("after")).isEqualTo("after");
        }
    }

    @org.junit.jupiter.api.Test
    void theBoundsChangeAtRunTimeWithTheAdminTokenOverHttpAndTheCli() throws Exception {
        try (WKRServer server = TestServers.start(TestServers.config(dir).numWorker(1).numWorkerExpanded(3).httpPort(0)
                .durationExpand(Duration.ofHours(1)).durationSqueeze(Duration.ofHours(1)).build(), SleepyWorker::new)) {
            java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
            java.net.URI uri = java.net.URI.create("http://127.0.0.1:" + server.httpPort() + "/workers");
            var get = http.send(java.net.http.HttpRequest.newBuilder(uri).build(), java.net.http.HttpResponse.BodyHandlers.ofString());
            assertThat(get.body()).isEqualTo("{\"min_worker\":1,\"max_worker\":3,\"limit\":3,\"workers\":1}");
            java.util.function.BiFunction<String, String, java.net.http.HttpResponse<String>> put = (query, token) -> {
                var b = java.net.http.HttpRequest.newBuilder(java.net.URI.create(uri + "?" + query))
                        .PUT(java.net.http.HttpRequest.BodyPublishers.noBody());
                if (token != null) b.header("X-Admin-Token", token);
                try {
                    return http.send(b.build(), java.net.http.HttpResponse.BodyHandlers.ofString());
                } catch (Exception e) {
                    throw new AssertionError(e);
                }
            };
            String token = java.nio.file.Files.readString(dir.resolve("admin.token")).strip();
            assertThat(put.apply("min_worker=3", null).statusCode()).isEqualTo(401);
            assertThat(put.apply("min_worker=3", "wrong").statusCode()).isEqualTo(401);
            assertThat(running(server)).isEqualTo(1);
            assertThat(put.apply("min_worker=4&max_worker=4", token).statusCode()).isEqualTo(400);
            assertThat(put.apply("min_worker=x", token).statusCode()).isEqualTo(400);
            assertThat(put.apply("min_worker=3", token).statusCode()).isEqualTo(200);
            Await.until(() -> running(server) == 3, Duration.ofSeconds(60), "min_worker 3 starts two more workers");
            Await.until(() -> server.snapshot().workers().stream().allMatch(w -> w.state() == WorkerState.IDLE),
                    Duration.ofSeconds(60), "all three loaded");
            java.io.StringWriter out = new java.io.StringWriter();
            java.io.StringWriter err = new java.io.StringWriter();
            int code = io.wkr.server.cli.ServingScaleAccess.run(new java.io.PrintWriter(out, true), new java.io.PrintWriter(err, true),
                    "-http_port", "" + server.httpPort(), "-token_file", dir.resolve("admin.token").toString(),
                    "-min_worker", "1", "-max_worker", "1");
            assertThat(code).as(err.toString()).isZero();
            assertThat(out.toString()).contains("\"min_worker\":1", "\"max_worker\":1");
            Await.until(() -> running(server) == 1, Duration.ofSeconds(60), "max_worker 1 retires two workers");
        }
    }
}

package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.client.WKRClient;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.WKRException;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.config.WorkerMode;
import io.wkr.server.status.WorkerSnapshot;
import io.wkr.server.status.WorkerState;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.FaultyWorker;
import io.wkr.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code -worker_mode process} with real child JVMs and real faults: a worker that exits, hangs,
 * is killed with SIGKILL while busy, or fails to load. Every request sent is counted against every
 * answer received (results plus each error code), the server serves again within a bounded time,
 * and no child process outlives the server.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class ProcessModeTest {
    @TempDir Path dir;
    private WKRServer server;
    private WKRClient client;

    private ServerConfig.Builder config() {
        return TestServers.config(dir).workerMode(WorkerMode.PROCESS).numWorker(1).batchSize(1);
    }

    private void start(ServerConfig.Builder b) {
        server = TestServers.start(b.build(), FaultyWorker::new);
        client = new WKRClient(TestServers.client(server).timeout(Duration.ofSeconds(60)).build());
    }

    @AfterEach
    void stop() {
        if (client != null) client.close();
        if (server != null) {
            List<ProcessHandle> children = workerProcesses();
            server.close();
            for (ProcessHandle child : children) {
                Await.until(() -> !child.isAlive(), Duration.ofSeconds(20), "worker process " + child.pid() + " ends with the server");
            }
        }
    }

    /** This JVM's worker processes (ChildWorker on their command line). */
    private static List<ProcessHandle> workerProcesses() {
        return workerProcesses(ProcessHandle.current());
    }

    private static List<ProcessHandle> workerProcesses(ProcessHandle parent) {
        return parent.children().filter(p -> {
            try { // /proc: ProcessHandle.Info leaves the arguments out when the command line is long
                return java.nio.file.Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline"))
                        .contains(ChildWorker.class.getName());
            } catch (java.io.IOException e) {
                return false; // gone already
            }
        }).toList();
    }

    /** Sends every input at once, counts the answers: the result strings, and each error code. */
    private Map<String, Long> sendAll(List<String> inputs, List<String> results) {
        List<CompletableFuture<Object>> futures = new ArrayList<>();
        for (String in : inputs) futures.add(client.encodeAsync(in));
        Map<ErrorCode, Long> errors = new EnumMap<>(ErrorCode.class);
        long ok = 0;
        for (CompletableFuture<Object> f : futures) {
            try {
                results.add((String) f.join());
                ok++;
            } catch (CompletionException e) {
                ErrorCode code = e.getCause() instanceof WKRException w ? w.code() : ErrorCode.INTERNAL;
                errors.merge(code, 1L, Long::sum);
            }
        }
        Map<String, Long> counts = new java.util.TreeMap<>();
        counts.put("ok", ok);
        errors.forEach((c, n) -> counts.put(c.name(), n));
        assertThat(counts.values().stream().mapToLong(Long::longValue).sum()).as("every request answered once").isEqualTo(inputs.size());
        return counts;
    }

    private WorkerSnapshot worker0() {
        return server.snapshot().workers().get(0);
    }

    /** The server runs batches again: a plain request is answered by a (new) worker process. */
    private void servesAgain() {
        Await.until(() -> worker0().state() == WorkerState.IDLE, Duration.ofSeconds(60), "the worker is back");
        assertThat((String) client.encode("again")).startsWith("again@");
    }

    private String failure(String input) {
        try {
            client.encode(input);
        } catch (WKRException e) {
            assertThat(e.code()).isEqualTo(ErrorCode.WORKER_FAILED);
            return e.getMessage();
        }
        throw new AssertionError(input + " was answered");
    }

    @Test
    void workersRunInTheirOwnProcesses() {
        start(config().numWorker(2).batchSize(8));
        List<String> inputs = new ArrayList<>();
        for (int i = 0; i < 200; i++) inputs.add("x" + i);
        List<String> results = new ArrayList<>();
        assertThat(sendAll(inputs, results)).isEqualTo(Map.of("ok", 200L));
        long self = ProcessHandle.current().pid();
        assertThat(results).allSatisfy(r -> assertThat(r).doesNotEndWith("@" + self));
        assertThat(results.stream().map(r -> r.substring(r.indexOf('@') + 1)).distinct()).hasSizeBetween(1, 2);
        assertThat(workerProcesses()).hasSize(2);
        for (int i = 0; i < results.size(); i++) assertThat(results.get(i)).startsWith(inputs.get(i) + "@");
        // what the model recorded in its process reaches the server's statistics: one value per batch, 200 items in all
        var items = server.snapshot().custom().get("items");
        assertThat(items).isNotNull();
        assertThat(Math.round(items.mean() * items.count())).isEqualTo(200);
    }

    @Test
    void aWorkerThatExitsFailsOnlyItsBatchAndIsReplaced() {
        start(config());
        List<String> inputs = List.of("a", "b", "exit", "c", "d");
        Map<String, Long> counts = sendAll(inputs, new ArrayList<>());
        assertThat(counts.get("WORKER_FAILED")).isEqualTo(1L); // batch size 1: only the "exit" request
        assertThat(counts.get("ok")).isEqualTo(4L);
        assertThat(worker0().restarts()).isEqualTo(1);
        assertThat(worker0().lastError()).contains("exited with code 3");
        assertThat(failure("exit")).contains("exited with code 3");
        servesAgain();
        assertThat(server.snapshot().requests().received()).isEqualTo(inputs.size() + 2);
    }

    @Test
    void aHangingWorkerIsKilledAfterThePredictTimeout() {
        start(config().predictTimeout(Duration.ofMillis(700)));
        assertThat(failure("hang")).contains("did not finish the batch within 700 ms (-predict_timeout)");
        servesAgain();
        assertThat(worker0().restarts()).isEqualTo(1);
    }

    @Test
    void aWorkerKilledWhileBusyFailsItsBatchWithTheSignal() throws Exception {
        start(config());
        String first = (String) client.encode("warm");
        long pid = Long.parseLong(first.substring(first.indexOf('@') + 1));
        CompletableFuture<Object> slow = client.encodeAsync("slow");
        Await.until(() -> worker0().state() == WorkerState.BUSY, Duration.ofSeconds(20), "the worker is busy");
        assertThat(ProcessHandle.of(pid).orElseThrow().destroyForcibly()).isTrue(); // SIGKILL
        assertThatThrownBy(() -> slow.get(30, TimeUnit.SECONDS)).hasMessageContaining("killed by signal 9 (SIGKILL)");
        servesAgain();
        String after = (String) client.encode("b");
        assertThat(after).doesNotEndWith("@" + pid);
    }

    @Test
    void anExceptionFailsTheBatchAndTheProcessStays() {
        start(config());
        String first = (String) client.encode("a");
        assertThat(failure("boom")).contains("boom requested");
        assertThat((String) client.encode("b")).endsWith(first.substring(first.indexOf('@')));
        assertThat(worker0().restarts()).isZero();
        assertThat(failure("error")).contains("an Error requested");
        servesAgain();
        assertThat(worker0().restarts()).isEqualTo(1);
    }

    @Test
    void aWorkerThatKeepsDyingAtStartUpFailsReadinessThenStopsTheServer() {
        start(config().modelName("fail-reload").workerReloadRetries(2));
        assertThat(server.ready()).isTrue();
        assertThat(failure("exit")).contains("exited with code 3");
        // every reload fails: not ready while it retries (with backoff), then the worker gives up and the server stops
        Await.until(() -> !server.ready(), Duration.ofSeconds(20), "readiness fails while the worker cannot load");
        Await.until(() -> worker0().state() == WorkerState.FAILED, Duration.ofSeconds(60), "the worker gives up");
        assertThat(worker0().lastError()).contains("the model cannot load again");
        Await.until(() -> server.state() == WKRServer.State.STOPPED || server.state() == WKRServer.State.DRAINING,
                Duration.ofSeconds(30), "the server stops: no worker is left");
        assertThat(server.failure()).hasValueSatisfying(f -> assertThat(f).contains("every worker failed to reload its model"));
    }

    @Test
    void aModelThatFailsToLoadFailsTheStartWithTheReason() {
        assertThatThrownBy(() -> TestServers.start(config().modelName("fail-load").build(), FaultyWorker::new))
                .hasMessageContaining("the model file is corrupt");
        Await.until(() -> workerProcesses().isEmpty(), Duration.ofSeconds(20), "no worker process is left");
    }

    @Test
    void noWorkerProcessOutlivesAServerKilledWithSigkillOrStopped() throws Exception {
        for (boolean kill : new boolean[] {true, false}) {
            Path run = java.nio.file.Files.createDirectories(dir.resolve(kill ? "killed" : "stopped"));
            try (io.wkr.server.testing.CliProcess cli = io.wkr.server.testing.CliProcess.start(run,
                    io.wkr.server.cli.ServingStart.class, FaultyWorker.class.getName(), "-port_in", "0", "-port_out", "0",
                    "-ip", "127.0.0.1", "-token_file", run.resolve("admin.token").toString(), "-model_dir", run.toString(),
                    "-worker_mode", "process", "-num_worker", "2")) {
                cli.awaitReady(Duration.ofSeconds(120));
                List<ProcessHandle> children = workerProcesses(cli.process().toHandle());
                assertThat(children).as(cli.output()).hasSize(2);
                if (kill) {
                    cli.process().toHandle().destroyForcibly(); // SIGKILL: no shutdown hook runs in the server
                } else {
                    cli.process().toHandle().destroy(); // SIGTERM: a drain, then a stop
                    assertThat(cli.awaitExit(Duration.ofSeconds(60))).as(cli.output()).isZero();
                }
                for (ProcessHandle child : children) {
                    Await.until(() -> !child.isAlive(), Duration.ofSeconds(20),
                            "worker process " + child.pid() + " ends with its server (" + (kill ? "SIGKILL" : "SIGTERM") + ")");
                }
            }
        }
    }
}

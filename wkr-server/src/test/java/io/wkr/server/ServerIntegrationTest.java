package io.wkr.server;

import io.wkr.server.config.ServerConfig;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.client.WKRClient;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.OverloadedException;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.ShuttingDownException;
import io.wkr.protocol.WorkerFailedException;
import io.wkr.protocol.Wire;
import io.wkr.protocol.AdminToken;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.RawPeer;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ServerIntegrationTest {
    @TempDir Path dir;

    private final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();

    private WKRServer start(ServerConfig.Builder b) {
        return TestServers.start(b.build(), () -> new ScriptedWorker(controls));
    }

    @Test
    void shouldAnswerEachOf64ConcurrentClientsWithExactlyItsOwnResults() throws Exception {
        try (WKRServer server = start(TestServers.config(dir).numWorker(2).batchSize(32))) {
            ExecutorService pool = Executors.newFixedThreadPool(64);
            try {
                List<Future<Integer>> done = new ArrayList<>();
                for (int c = 0; c < 64; c++) {
                    int client = c;
                    done.add(pool.submit(() -> {
                        try (WKRClient wc = new WKRClient(TestServers.client(server).build())) {
                            assertThat(wc.pendingRequests()).as("no handshake leftovers").isZero();
                            for (int i = 0; i < 25; i++) {
                                String sent = "client-" + client + "-req-" + i;
                                assertThat(wc.encode(sent)).isEqualTo(sent);
                            }
                            List<CompletableFuture<Object>> async = new ArrayList<>();
                            for (int i = 0; i < 10; i++) async.add(wc.encodeAsync(List.of(client, i)));
                            for (int i = 0; i < 10; i++) assertThat(async.get(i).get(20, TimeUnit.SECONDS)).isEqualTo(List.of(client, i));
                        }
                        return client;
                    }));
                }
                for (Future<Integer> f : done) f.get(50, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(server.snapshot().requests().succeeded()).isEqualTo(64 * 35);
            assertThat(server.snapshot().requests().failed()).isZero();
        }
    }

    @Test
    void shouldMixRequestsOfManyClientsInOneBatch() throws Exception {
        // One worker held on a gate while 40 clients (one request in flight each) queue up:
        // any batch larger than one necessarily mixes clients.
        try (WKRServer server = start(TestServers.config(dir).numWorker(1).batchSize(32))) {
            ExecutorService pool = Executors.newFixedThreadPool(41);
            try {
                Future<Object> blocker = pool.submit(() -> {
                    try (WKRClient c = new WKRClient(TestServers.client(server).build())) {
                        return c.encode("block");
                    }
                });
                controls.awaitBlocked();
                List<Future<Object>> calls = new ArrayList<>();
                for (int c = 0; c < 40; c++) {
                    String input = "c" + c;
                    calls.add(pool.submit(() -> {
                        try (WKRClient wc = new WKRClient(TestServers.client(server).build())) {
                            return wc.encode(input);
                        }
                    }));
                }
                Await.until(() -> server.snapshot().requests().accepted() == 41,
                        Duration.ofSeconds(20), "40 queued requests");
                controls.release();
                assertThat(blocker.get(20, TimeUnit.SECONDS)).isEqualTo("block");
                for (int c = 0; c < 40; c++) assertThat(calls.get(c).get(20, TimeUnit.SECONDS)).isEqualTo("c" + c);
            } finally {
                pool.shutdownNow();
            }
            assertThat(controls.batchSizes).contains(32); // 40 queued, batch_size 32: a full batch first
            Map<Integer, Long> sizes = server.snapshot().batches().sizes();
            assertThat(sizes.get(32)).isEqualTo(1);
            assertThat(sizes.get(8)).isEqualTo(1);
        }
    }

    @Test
    void shouldAnswerOverloadedAtOnceWhenTheQueueIsFullAndKeepServing() throws Exception {
        try (WKRServer server = start(TestServers.config(dir).numWorker(1).maxQueueSize(2));
                WKRClient a = new WKRClient(TestServers.client(server).build());
                WKRClient b = new WKRClient(TestServers.client(server).build())) {
            CompletableFuture<Object> blocked = a.encodeAsync("block");
            controls.awaitBlocked();
            CompletableFuture<Object> q1 = a.encodeAsync("q1");
            CompletableFuture<Object> q2 = a.encodeAsync("q2");
            Await.until(() -> server.snapshot().requests().accepted() == 3, Duration.ofSeconds(10), "a full queue");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> b.encode("rejected")).isInstanceOf(OverloadedException.class)
                    .hasMessageContaining("queue full");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(b.serverStatus()).containsKey("queue"); // control requests still answered
            controls.release();
            assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo("block");
            assertThat(q1.get(10, TimeUnit.SECONDS)).isEqualTo("q1");
            assertThat(q2.get(10, TimeUnit.SECONDS)).isEqualTo("q2");
            assertThat(b.encode("served")).isEqualTo("served");
            assertThat(server.snapshot().requests().errors(ErrorCode.OVERLOADED)).isEqualTo(1);
            assertThat(controls.seen).doesNotContain("rejected");
        }
    }

    @Test
    void shouldAnswerTimeoutForAnExpiredDeadlineWithoutRunningTheModel() throws Exception {
        try (WKRServer server = start(TestServers.config(dir).numWorker(1));
                WKRClient a = new WKRClient(TestServers.client(server).build());
                RawPeer raw = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "raw-deadline")) {
            raw.handshake(Duration.ofSeconds(10));
            CompletableFuture<Object> blocked = a.encodeAsync("block");
            controls.awaitBlocked();
            PayloadCodec.Encoded enc = PayloadCodec.of(Protocol.OBJ, List.of()).encode("late", 50);
            raw.send(raw.identity(), "7".getBytes(StandardCharsets.US_ASCII), enc.payload(), enc.info());
            Await.until(() -> server.snapshot().requests().accepted() == 2,
                    Duration.ofSeconds(10), "the request queued");
            // The only worker is still blocked: the answer comes from the queue's deadline sweep.
            List<byte[]> reply = raw.receive(Duration.ofSeconds(10));
            assertThat(server.snapshot().workers().get(0).state()).isEqualTo(io.wkr.server.status.WorkerState.BUSY);
            controls.release();
            assertThat(reply).isNotNull();
            assertThat(new String(reply.get(1), StandardCharsets.US_ASCII)).isEqualTo("7");
            assertThat(reply.get(3)).isEqualTo(Wire.EXCEPTION);
            assertThat(new String(reply.get(2), StandardCharsets.UTF_8)).startsWith("TIMEOUT: deadline passed");
            assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo("block");
            assertThat(controls.seen).doesNotContain("late");
            assertThat(server.snapshot().requests().errors(ErrorCode.TIMEOUT)).isEqualTo(1);
        }
    }

    @Test
    void shouldTimeOutAsyncRequestsWithoutAnswerAndDropTheirLateReplies() throws Exception {
        try (WKRServer server = start(TestServers.config(dir).numWorker(1));
                WKRClient a = new WKRClient(TestServers.client(server).build());
                WKRClient impatient = new WKRClient(TestServers.client(server).timeout(Duration.ofMillis(300)).build())) {
            CompletableFuture<Object> blocked = a.encodeAsync("block");
            controls.awaitBlocked();
            CompletableFuture<Object> late = impatient.encodeAsync("late");
            long t0 = System.nanoTime();
            assertThatThrownBy(() -> late.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(
                    io.wkr.protocol.RequestTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
            assertThat(impatient.pendingRequests()).isZero();
            controls.release();
            assertThat(blocked.get(10, TimeUnit.SECONDS)).isEqualTo("block");
            assertThat(impatient.encode("after")).isEqualTo("after");
            assertThat(controls.seen).doesNotContain("late"); // its deadline travelled with it
        }
    }

    @Test
    void shouldFailOnlyTheBatchWhoseModelThrew() {
        try (WKRServer server = start(TestServers.config(dir).numWorker(1));
                WKRClient c = new WKRClient(TestServers.client(server).build())) {
            assertThatThrownBy(() -> c.encode("boom")).isInstanceOf(WorkerFailedException.class)
                    .hasMessageContaining("IllegalStateException: boom requested");
            assertThat(c.encode("next")).isEqualTo("next");
            assertThat(server.snapshot().requests().errors(ErrorCode.WORKER_FAILED)).isEqualTo(1);
        }
    }

    @Test
    void shouldFailABatchWithTheWrongNumberOfOutputs() {
        try (WKRServer server = start(TestServers.config(dir).numWorker(1));
                WKRClient c = new WKRClient(TestServers.client(server).build())) {
            assertThatThrownBy(() -> c.encode("extra")).isInstanceOf(WorkerFailedException.class)
                    .hasMessageContaining("predict returned 2 outputs for a batch of 1 inputs");
            assertThat(c.encode("after")).isEqualTo("after");
        }
    }

    @Test
    void shouldReplaceAWorkerThatHitAnError() {
        try (WKRServer server = start(TestServers.config(dir).numWorker(1));
                WKRClient c = new WKRClient(TestServers.client(server).build())) {
            assertThatThrownBy(() -> c.encode("die")).isInstanceOf(WorkerFailedException.class)
                    .hasMessageContaining("fatal error requested");
            assertThat(c.encode("alive")).isEqualTo("alive");
            assertThat(server.snapshot().workers().get(0).restarts()).isEqualTo(1);
            @SuppressWarnings("unchecked")
            List<Map<String, Object>> workers = (List<Map<String, Object>>) c.serverStatus().get("workers");
            assertThat(workers.get(0)).containsEntry("restarts", 1L);
        }
    }

    @Test
    void shouldAnswerAndReplaceTheWorkerWhenSomethingFailsOutsidePredict() {
        // predict returns a list that throws when read: the failure happens in wkr's own loop.
        try (WKRServer server = TestServers.start(TestServers.config(dir).numWorker(1).build(), BrokenOutputWorker::new);
                WKRClient c = new WKRClient(TestServers.client(server).build())) {
            assertThatThrownBy(() -> c.encode("poison")).isInstanceOf(WorkerFailedException.class)
                    .hasMessageContaining("worker 0 failed");
            assertThat(c.encode("fine")).isEqualTo("fine");
            assertThat(server.snapshot().workers().get(0).restarts()).isEqualTo(1);
        }
    }

    /** Returns, for a "poison" input, an output list that throws when the server reads it. */
    static final class BrokenOutputWorker extends WKRHardWorker<Void, Object, Object> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            if (!inputs.contains("poison")) return inputs;
            return new java.util.AbstractList<>() {
                @Override
                public Object get(int index) {
                    throw new IllegalStateException("unreadable output");
                }

                @Override
                public int size() {
                    return inputs.size();
                }
            };
        }
    }

    @Test
    void shouldRefuseTerminationWithoutTheTokenAndDrainWithIt() throws Exception {
        WKRServer server = start(TestServers.config(dir).numWorker(1));
        try (WKRClient c = new WKRClient(TestServers.client(server).build());
                RawPeer raw = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "admin")) {
            raw.handshake(Duration.ofSeconds(10));
            // The original's anonymous form, then a wrong token: both refused.
            raw.send(new byte[0], new byte[0], Wire.TERMINATION, new byte[0]);
            raw.send(raw.identity(), "1".getBytes(StandardCharsets.US_ASCII), Wire.TERMINATION,
                    "{\"token\":\"guess\"}".getBytes(StandardCharsets.US_ASCII));
            List<byte[]> refused = raw.receive(Duration.ofSeconds(10));
            assertThat(new String(refused.get(2), StandardCharsets.UTF_8)).startsWith("UNAUTHORIZED:");
            assertThat(c.encode("still serving")).isEqualTo("still serving");
            assertThat(server.state()).isEqualTo(WKRServer.State.READY);

            CompletableFuture<Object> inFlight = c.encodeAsync("block");
            controls.awaitBlocked();
            CompletableFuture<Object> queued = c.encodeAsync("queued");
            Await.until(() -> server.snapshot().requests().accepted() >= 3, Duration.ofSeconds(10), "a queued request");
            String token = AdminToken.read(server.tokenFile());
            raw.send(raw.identity(), "2".getBytes(StandardCharsets.US_ASCII), Wire.TERMINATION,
                    ("{\"token\":\"" + token + "\"}").getBytes(StandardCharsets.US_ASCII));
            Await.until(() -> server.state() == WKRServer.State.DRAINING, Duration.ofSeconds(10), "draining");
            assertThatThrownBy(() -> c.encode("too late")).isInstanceOf(ShuttingDownException.class);
            controls.release();
            assertThat(inFlight.get(10, TimeUnit.SECONDS)).isEqualTo("block");
            assertThat(queued.get(10, TimeUnit.SECONDS)).isEqualTo("queued");
            assertThat(server.awaitTermination(Duration.ofSeconds(20))).isTrue();
            assertThat(Files.exists(server.tokenFile())).isFalse();
        } finally {
            server.close();
        }
    }

    @Test
    void shouldFailStartupClearlyWhenAModelCannotLoad() {
        controls.failLoad = "weights not found";
        WKRServer server = new WKRServer(TestServers.config(dir).numWorker(2).build(), () -> new ScriptedWorker(controls));
        assertThatThrownBy(server::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("failed to load its model").hasMessageContaining("weights not found");
        assertThat(server.state()).isEqualTo(WKRServer.State.STOPPED);
    }

    @Test
    void shouldTreatTheWordTerminationInsideAnObjPayloadAsData() {
        try (WKRServer server = start(TestServers.config(dir));
                WKRClient c = new WKRClient(TestServers.client(server).build())) {
            assertThat(c.encode("TERMINATION")).isEqualTo("TERMINATION");
            assertThat(server.state()).isEqualTo(WKRServer.State.READY);
        }
    }
}

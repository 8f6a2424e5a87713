package io.wkr.server.internal.ventilator;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Wire;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.batching.JobQueue;
import io.wkr.protocol.AdminToken;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.sink.Sink;
import io.wkr.server.internal.sink.SinkCompletion;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.status.ServerInfo;
import io.wkr.server.status.ServerSnapshot;
import io.wkr.server.status.Settings;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.RawPeer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The ventilator is the one thread that reads every client: a bug while handling one message must
 * fail that message only, and if the thread dies anyway the server must stop instead of staying up
 * without reading anything. Real sockets; the status supplier is the injected fault.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class VentilatorTest {
    @TempDir Path dir;

    private final ZContext context = new ZContext(1);
    private final ServerStats stats = new ServerStats(4, List.of());
    private final JobQueue queue = new JobQueue(16);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final CountDownLatch failed = new CountDownLatch(1);
    private volatile Throwable failure;
    private volatile Supplier<ServerSnapshot> status = this::snapshot;
    private Ventilator ventilator;
    private Thread ventilatorThread;
    private Sink sink;
    private Thread sinkThread;
    private int portIn;
    private int portOut;

    private void start() {
        sink = Sink.bind("127.0.0.1", 0, stats, 1000, 1 << 20, Duration.ofSeconds(10), t -> { });
        portOut = sink.port();
        ZMQ.Socket frontend = context.createSocket(SocketType.PULL);
        portIn = frontend.bindToRandomPort("tcp://127.0.0.1");
        sinkThread = new Thread(sink, "wkr-sink");
        sinkThread.start();
        ServerConfig config = ServerConfig.builder().modelDir(dir).build();
        PayloadCodec codec = PayloadCodec.of(Protocol.OBJ, List.of());
        ventilator = new Ventilator(frontend, config, new Admission(queue, new MemoryBudget("max_queue_bytes", config.maxQueueBytes()), stats, () -> 1), new SinkCompletion(sink, codec),
                sink, stats, new Ventilator.Control(AdminToken.create(dir.resolve("token")), () -> status.get(),
                        terminated::countDown, t -> {
                            failure = t;
                            failed.countDown();
                        }));
        ventilatorThread = new Thread(ventilator, "wkr-ventilator");
        ventilatorThread.start();
    }

    @AfterEach
    void stop() throws InterruptedException {
        if (ventilator != null) ventilator.stop();
        if (ventilatorThread != null) ventilatorThread.join(10_000);
        if (sink != null) sink.stop();
        if (sinkThread != null) sinkThread.join(10_000);
        context.close();
    }

    /** A snapshot of this test's statistics, as a server would take it. */
    private ServerSnapshot snapshot() {
        ServerInfo info = new ServerInfo(Protocol.OBJ, Wire.COMPAT_SERVER_VERSION, Wire.WKR_VERSION, "17", "TestWorker",
                "READY", true, portIn, portOut, null, 1 << 30, Instant.EPOCH, Instant.now(), 1.0);
        MemoryBudget memory = new MemoryBudget("max_queue_bytes", 1 << 20);
        return stats.snapshot(info, Settings.of(ServerConfig.builder().modelDir(dir).build()), queue.size(),
                queue.capacity(), memory, memory);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldAnswerInternalForAMessageWhoseHandlingThrowsAndKeepReading() {
        start();
        try (RawPeer peer = new RawPeer("127.0.0.1", portIn, portOut, "peer")) {
            peer.handshake(Duration.ofSeconds(10));
            status = () -> {
                throw new IllegalStateException("status is broken");
            };
            List<byte[]> reply = peer.call("2", Wire.SHOW_CONFIG, ascii("{\"format\":\"json\"}"), Duration.ofSeconds(10));
            assertThat(reply.get(3)).isEqualTo(Wire.EXCEPTION);
            assertThat(new String(reply.get(2), StandardCharsets.UTF_8)).startsWith("INTERNAL:")
                    .contains("status is broken");
            assertThat(stats.requests().errors(ErrorCode.INTERNAL)).isEqualTo(1);

            status = this::snapshot;
            List<byte[]> again = peer.call("3", Wire.SHOW_CONFIG, ascii("{\"format\":\"json\"}"), Duration.ofSeconds(10));
            assertThat(new String(again.get(2), StandardCharsets.UTF_8)).contains("\"protocol\"");
            PayloadCodec.Encoded data = PayloadCodec.of(Protocol.OBJ, List.of()).encode("x", 0);
            peer.send(peer.identity(), ascii("4"), data.payload(), data.info());
            Await.until(() -> queue.size() == 1, Duration.ofSeconds(10), "the data request admitted");
            assertThat(terminated.getCount()).isEqualTo(1);
            assertThat(failed.getCount()).isEqualTo(1);
        }
    }

    @Test
    void shouldStopTheServerWhenTheVentilatorDies() throws InterruptedException {
        start();
        try (RawPeer peer = new RawPeer("127.0.0.1", portIn, portOut, "peer")) {
            peer.handshake(Duration.ofSeconds(10));
            status = () -> {
                throw new AssertionError("an Error, not an exception");
            };
            peer.send(peer.identity(), ascii("2"), Wire.SHOW_CONFIG, ascii("{}"));
            assertThat(failed.await(10, TimeUnit.SECONDS)).as("the server was told to stop").isTrue();
            assertThat(failure).isInstanceOf(AssertionError.class).hasMessage("an Error, not an exception");
            assertThat(terminated.getCount()).as("not a TERMINATION").isEqualTo(1);
            ventilatorThread.join(10_000);
            assertThat(ventilatorThread.isAlive()).isFalse();
        }
    }
}

package io.wkr.client.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.WKRHardWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** wkr-bench counts what happened: replies checked, errors by code, runs stop at their bound. Not timed. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class BenchCountsTest {
    @TempDir Path dir;

    /** Echoes, but fails every third batch and corrupts every fifth output. */
    static final class FlakyEcho extends WKRHardWorker<AtomicInteger, Tensor, Tensor> {
        @Override
        public AtomicInteger getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return new AtomicInteger();
        }

        @Override
        public List<Tensor> predict(AtomicInteger calls, List<Tensor> inputs) {
            int n = calls.incrementAndGet();
            if (n % 3 == 0) throw new IllegalStateException("every third batch fails");
            List<Tensor> out = new ArrayList<>();
            for (Tensor t : inputs) out.add(n % 5 == 0 ? Tensor.of(new float[] {42}) : t);
            return out;
        }
    }

    private WKRServer server(boolean flaky) {
        return TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).numWorker(1).batchSize(1).build(),
                flaky ? FlakyEcho::new : io.wkr.server.testing.EchoTestWorker::new);
    }

    @Test
    void shouldCountEveryReplyByOutcomeAndStopAtTheCount() throws Exception {
        countsEveryReplyByOutcome(2); // pipelined: encodeAsync
    }

    @Test
    void shouldCountEveryReplyByOutcomeWithOneInFlight() throws Exception {
        countsEveryReplyByOutcome(1); // one at a time: the blocking encode
    }

    private void countsEveryReplyByOutcome(int inFlight) throws Exception {
        try (WKRServer server = server(true);
                WkrTarget target = new WkrTarget("127.0.0.1", server.portIn(), server.portOut(), 2, Duration.ofSeconds(20),
                        Payload.parse("vec128"), true)) {
            Runner runner = new Runner(Duration.ofSeconds(20));
            Result r = runner.closedLoop(target, Payload.parse("vec128"), 3, inFlight, new Runner.Bounds(300, Duration.ofMinutes(1)),
                    Progress.none());
            assertThat(r.completed()).isEqualTo(300);
            assertThat(r.ok.sum() + r.mismatched.sum() + r.errors.get(ErrorCode.WORKER_FAILED).sum()).isEqualTo(300);
            // batch size 1, one worker: batch n is request n; every 3rd fails, every 5th (not 15th) is corrupted
            assertThat(r.errors.get(ErrorCode.WORKER_FAILED).sum()).isEqualTo(100);
            assertThat(r.mismatched.sum()).isEqualTo(40);
            assertThat(r.ok.sum()).isEqualTo(160);
            assertThat(r.lost.sum()).isZero();
            assertThat(server.snapshot().requests().received()).isEqualTo(300);
        }
    }

    @Test
    void shouldStopAtTheTimeBoundAndMatchTheRawBaselines() throws Exception {
        Payload p = Payload.parse("vec128");
        Runner runner = new Runner(Duration.ofSeconds(20));
        for (RawTarget.Shape shape : RawTarget.Shape.values()) {
            try (RawTarget target = new RawTarget(shape, p)) {
                int k = shape == RawTarget.Shape.REQREP ? 1 : 4;
                Result r = runner.closedLoop(target, p, 2, k, new Runner.Bounds(Long.MAX_VALUE, Duration.ofMillis(300)),
                        Progress.none());
                assertThat(r.ok.sum()).as(shape.name()).isPositive();
                assertThat(r.mismatched.sum() + r.lost.sum() + r.errorCount()).as(shape.name()).isZero();
                assertThat(r.seconds()).as("stopped by the time bound").isLessThan(30);
            }
        }
    }

    @Test
    void shouldWriteJsonAndAChartFromTheCommandLine() throws Exception {
        try (WKRServer server = server(false)) {
            Path json = dir.resolve("bench.json");
            Path chart = dir.resolve("bench.png");
            ByteArrayOutputStream buf = new ByteArrayOutputStream();
            int code = Bench.run(new PrintStream(buf, true, StandardCharsets.UTF_8), "-t", "wkr,raw-pushsub",
                    "-port_in", "" + server.portIn(), "-port_out", "" + server.portOut(), "-c", "1,2", "-n", "200",
                    "-d", "30", "-w", "0", "--json", json.toString(), "--chart", chart.toString());
            String out = buf.toString(StandardCharsets.UTF_8);
            assertThat(code).as(out).isZero();
            assertThat(out).contains("wkr ").contains("raw-pushsub").contains("ok=200");
            assertThat(Files.readString(json)).contains("\"medians\"").contains("\"throughput_rps\"");
            assertThat(Files.size(chart)).isPositive();
            assertThat(javax.imageio.ImageIO.read(chart.toFile()).getWidth()).isEqualTo(900);
        }
    }

    @Test
    void shouldCountTheOpenInferenceProtocolTargetsAndTheirEchoBaselines() throws Exception {
        try (WKRServer server = TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).numWorker(1).batchSize(1)
                .httpPort(0).grpcPort(0).modelName("flaky").build(), FlakyEcho::new)) {
            Payload p = Payload.parse("vec128");
            Runner runner = new Runner(Duration.ofSeconds(20));
            // through the server: every 3rd batch fails (HTTP 500 / gRPC INTERNAL), every 5th is corrupted
            int received = 0;
            for (Target target : List.of(new OipTargets.Http("127.0.0.1", server.httpPort(), "flaky", p, true, Duration.ofSeconds(20)),
                    new OipTargets.Grpc("127.0.0.1", server.grpcPort(), "flaky", p, true, Duration.ofSeconds(20)))) {
                try (target) {
                    Result r = runner.closedLoop(target, p, 1, 1, new Runner.Bounds(150, Duration.ofMinutes(1)), Progress.none());
                    received += 150;
                    assertThat(r.completed()).as(target.name()).isEqualTo(150);
                    assertThat(r.ok.sum() + r.mismatched.sum() + r.errors.get(ErrorCode.WORKER_FAILED).sum())
                            .as(target.name()).isEqualTo(150);
                    assertThat(r.errors.get(ErrorCode.WORKER_FAILED).sum()).as(target.name()).isEqualTo(50);
                    assertThat(r.mismatched.sum()).as(target.name()).isEqualTo(20);
                    assertThat(r.lost.sum()).as(target.name()).isZero();
                }
                assertThat(server.snapshot().requests().received()).isEqualTo(received);
            }
            // the bare echoes: every reply matches
            for (Target target : List.of(OipTargets.Http.echo(p, Duration.ofSeconds(20)), OipTargets.Grpc.echo(p, Duration.ofSeconds(20)))) {
                try (target) {
                    Result r = runner.closedLoop(target, p, 2, 1, new Runner.Bounds(200, Duration.ofMinutes(1)), Progress.none());
                    assertThat(r.ok.sum()).as(target.name()).isEqualTo(200);
                    assertThat(r.mismatched.sum() + r.lost.sum() + r.errorCount()).as(target.name()).isZero();
                }
            }
        }
    }
}

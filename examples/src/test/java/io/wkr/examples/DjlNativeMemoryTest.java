package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import ai.djl.ndarray.NDManager;
import io.wkr.client.WKRClient;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.WKRServer;
import io.wkr.server.djl.DjlModel;
import io.wkr.server.testing.TestServers;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 100 000 requests through the iris MLP leave the process's native memory flat: every batch's
 * NDArrays live in a manager that is closed after the batch, and the input staging buffer is
 * reused.
 *
 * <p>How it is measured: the server and its client run in a fresh JVM whose heap is fixed and
 * touched up front ({@code -Xms=-Xmx}, {@code -XX:+AlwaysPreTouch}), so its resident set (VmRSS,
 * which unlike the JVM's own accounting includes libtorch's allocations) moves only with native
 * memory. VmRSS is read after a warm-up of {@value #WARM_UP} requests and after each 20 000 of
 * the {@value #REQUESTS} that follow; growth from the warm-up to the end must stay under {@value
 * #MAX_GROWTH_MIB} MiB. The same measurement on a worker that never closes its batch managers
 * must grow by more than that in fewer requests, which shows it catches a leak.
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DjlNativeMemoryTest {
    static final int WARM_UP = 40_000;
    static final int REQUESTS = 100_000;
    static final int STEP = 20_000;
    static final int IN_FLIGHT = 512;
    static final long MAX_GROWTH_MIB = 8;

    @TempDir Path dir;

    /** The iris worker with the bug the base class prevents: arrays in a manager nobody closes. */
    public static final class LeakyIrisWorker extends IrisWorker {
        @Override
        protected List<Tensor> predict(DjlModel model, NDManager batch, List<Tensor> inputs) throws Exception {
            return super.predict(model, model.model().getNDManager().newSubManager(), inputs);
        }
    }

    static long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("\\D+", ""));
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    /** Sends {@code n} requests with up to {@link #IN_FLIGHT} in flight; checks every reply has 3 logits. */
    static void send(WKRClient client, List<Tensor> rows, int n) throws Exception {
        ArrayDeque<CompletableFuture<Object>> window = new ArrayDeque<>();
        for (int i = 0; i < n; i++) {
            if (window.size() == IN_FLIGHT) check(window.poll());
            window.add(client.encodeAsync(rows.get(i % rows.size())));
        }
        while (!window.isEmpty()) check(window.poll());
    }

    private static void check(CompletableFuture<Object> reply) throws Exception {
        Tensor y = (Tensor) reply.get(20, TimeUnit.SECONDS);
        if (y.shape().length != 1 || y.shape()[0] != 3) throw new AssertionError("expected 3 logits, got " + y);
    }

    /**
     * Runs in the child JVM: {@code <model dir> <clean|leaky> <requests>}; prints {@code RSS_KIB
     * <after warm-up> <after each step>...} and the time taken.
     */
    public static void main(String[] args) throws Exception {
        Path modelDir = Path.of(args[0]);
        boolean leaky = args[1].equals("leaky");
        int requests = Integer.parseInt(args[2]);
        List<Tensor> rows = new ArrayList<>();
        for (float[] r : Iris.load().features()) rows.add(Tensor.of(r));
        try (WKRServer server = TestServers.start(TestServers.config(modelDir).modelName(Iris.MODEL_NAME)
                .protocol(Protocol.NUMPY).numWorker(1).batchSize(64).maxQueueSize(4096).build(),
                leaky ? LeakyIrisWorker::new : IrisWorker::new);
                WKRClient client = new WKRClient(TestServers.client(server).build())) {
            send(client, rows, WARM_UP);
            List<Long> samples = new ArrayList<>(List.of(rssKib()));
            long t0 = System.nanoTime();
            for (int done = 0; done < requests; done += STEP) {
                send(client, rows, STEP);
                samples.add(rssKib());
            }
            System.out.printf("TIME_S %.1f BATCHES %d%n", (System.nanoTime() - t0) / 1e9,
                    server.snapshot().batches().count());
            StringBuilder line = new StringBuilder("RSS_KIB");
            for (long s : samples) line.append(' ').append(s);
            System.out.println(line);
        }
    }

    /** Runs {@link #main} in a fresh JVM with a fixed, pre-touched heap; returns VmRSS samples (KiB). */
    private long[] measure(Path modelDir, String mode, int requests) throws Exception {
        Path log = dir.resolve(mode + ".log");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xms256m", "-Xmx256m", "-XX:+AlwaysPreTouch", "-XX:TieredStopAtLevel=1",
                "-Dai.djl.offline=true", "-DOPT_OUT_TRACKING=true",
                "-cp", System.getProperty("java.class.path"), DjlNativeMemoryTest.class.getName(),
                modelDir.toString(), mode, Integer.toString(requests))
                .redirectErrorStream(true).redirectOutput(log.toFile());
        // Fewer malloc arenas: less noise in VmRSS from where glibc happens to place blocks.
        pb.environment().put("MALLOC_ARENA_MAX", "2");
        Process p = pb.start();
        if (!p.waitFor(150, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("the " + mode + " run did not finish; log:\n" + Files.readString(log));
        }
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as("exit code of the %s run; log:%n%s", mode, out).isZero();
        String rss = out.lines().filter(l -> l.startsWith("RSS_KIB ")).findFirst().orElseThrow();
        System.out.println(mode + ": " + out.lines().filter(l -> l.startsWith("TIME_S ")).findFirst().orElse("") + " " + rss);
        return Arrays.stream(rss.substring(8).split(" ")).mapToLong(Long::parseLong).toArray();
    }

    @Test
    void shouldKeepNativeMemoryFlatOver100kRequests() throws Exception {
        Path modelDir = dir.resolve("iris-model");
        Iris.train(modelDir, new PrintStream(OutputStream.nullOutputStream()));
        long[] clean = measure(modelDir, "clean", REQUESTS);
        long growth = clean[clean.length - 1] - clean[0];
        assertThat(growth).as("VmRSS growth (KiB) over %d requests, samples %s", REQUESTS, Arrays.toString(clean))
                .isLessThan(MAX_GROWTH_MIB * 1024);
        long[] leaky = measure(modelDir, "leaky", 4 * STEP);
        assertThat(leaky[leaky.length - 1] - leaky[0]).as("the measurement catches a leak: samples %s", Arrays.toString(leaky))
                .isGreaterThan(MAX_GROWTH_MIB * 1024);
    }
}

package io.wkr.examples;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.wkr.client.ClientConfig;
import io.wkr.client.WKRClient;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRServer;
import io.wkr.server.djl.DjlEnvironment;
import io.wkr.server.djl.DjlModel;
import io.wkr.server.djl.DjlTensorWorker;
import io.wkr.server.djl.NDArrays;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The DJL benchmark (not a test): the iris MLP and a ResNet-18 (32×32 images), each through wkr
 * (one worker, {@code batch_size} 32, clients keeping enough requests in flight to fill every
 * batch) and through the same DJL {@code Predictor} called in-process on batches of 32, with the
 * same tensor conversions, in one run. Measurements alternate, each lasts a fixed time, and the
 * median of the repeats is reported with the ratio wkr / in-process. See docs/benchmarks.md.
 *
 * <pre>
 * java -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' \
 *     io.wkr.examples.DjlBenchmark [seconds per measurement = 5] [repeats = 3]
 * </pre>
 */
public final class DjlBenchmark {
    static final int BATCH = 32;

    private DjlBenchmark() {}

    /** A model under test: its block, the shape of one input and how many requests to keep in flight. */
    record Case(String name, Supplier<Block> block, int[] itemShape, int clients, int inFlightPerClient) {
        Shape batchShape(int n) {
            long[] s = new long[itemShape.length + 1];
            s[0] = n;
            for (int i = 0; i < itemShape.length; i++) s[i + 1] = itemShape[i];
            return new Shape(s);
        }

        List<Tensor> inputs(int n) {
            Random rnd = new Random(7);
            int size = Arrays.stream(itemShape).reduce(1, (a, b) -> a * b);
            List<Tensor> out = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                float[] v = new float[size];
                for (int j = 0; j < size; j++) v[j] = rnd.nextFloat();
                out.add(Tensor.of(v, itemShape));
            }
            return out;
        }
    }

    /** Serves a case's block with random weights. */
    public static final class BenchWorker extends DjlTensorWorker {
        private final Case c;

        BenchWorker(Case c) {
            this.c = c;
        }

        @Override
        public DjlModel getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return DjlModel.initialized((Device) env, c.name(), c.block().get(), c.batchShape(1));
        }
    }

    public static void main(String[] args) throws Exception {
        DjlEnvironment.offlineByDefault();
        Duration each = Duration.ofSeconds(args.length > 0 ? Long.parseLong(args[0]) : 5);
        int repeats = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        List<Case> cases = List.of(
                new Case("iris MLP 4-16-16-3", Iris::block, new int[] {4}, 4, 256),
                new Case("ResNet-18 3x32x32", () -> ResNetWorker.Spec.parse("resnet18@32").block(), new int[] {3, 32, 32}, 2, 48));
        System.out.printf(Locale.ROOT, "DJL %s, %d cores, batch %d, %d s per measurement, median of %d%n",
                ai.djl.engine.Engine.getEngine(DjlEnvironment.ENGINE).getVersion(), Runtime.getRuntime().availableProcessors(),
                BATCH, each.toSeconds(), repeats);
        System.out.println("| model | in-process items/s | through wkr items/s | wkr / in-process | runs (in-process; wkr) |");
        System.out.println("|---|---|---|---|---|");
        for (Case c : cases) {
            inProcess(c, Duration.ofSeconds(2)); // warm-up: JIT, oneDNN primitives, allocator
            throughWkr(c, Duration.ofSeconds(2));
            double[] local = new double[repeats];
            double[] served = new double[repeats];
            for (int r = 0; r < repeats; r++) {
                local[r] = inProcess(c, each);
                served[r] = throughWkr(c, each);
            }
            double l = median(local);
            double s = median(served);
            System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %.0f %% | %s; %s |%n", c.name(), l, s, 100 * s / l,
                    fmt(local), fmt(served));
        }
    }

    private static String fmt(double[] v) {
        StringBuilder b = new StringBuilder();
        for (double x : v) b.append(b.length() > 0 ? " " : "").append(Math.round(x));
        return b.toString();
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    /** The same predictor and conversions as the worker, called on batches of 32 in this thread. */
    static double inProcess(Case c, Duration duration) throws Exception {
        List<Tensor> batch = c.inputs(BATCH);
        ai.djl.pytorch.jni.JniUtils.setNumThreads(DjlEnvironment.cpuThreads(1)); // as the one worker does
        try (DjlModel model = DjlModel.initialized(Device.cpu(), c.name(), c.block().get(), c.batchShape(1))) {
            long items = 0;
            long t0 = System.nanoTime();
            long end = t0 + duration.toNanos();
            java.nio.ByteBuffer staging = java.nio.ByteBuffer.allocateDirect(batch.get(0).bytes().length * BATCH);
            while (System.nanoTime() < end) {
                try (NDManager m = model.newBatchManager()) {
                    NDList y = model.predictor().predict(new NDList(NDArrays.stack(m, batch, staging)));
                    items += NDArrays.unstack(y.head()).size();
                }
            }
            return items / ((System.nanoTime() - t0) / 1e9);
        }
    }

    /** One server (one worker, batch 32) in this JVM; clients each keep a window of requests in flight. */
    static double throughWkr(Case c, Duration duration) throws Exception {
        Path dir = Files.createTempDirectory("wkr-djl-bench");
        ServerConfig config = ServerConfig.builder().bindHost("127.0.0.1").portIn(0).portOut(0).numWorker(1).batchSize(BATCH)
                .protocol(Protocol.NUMPY).maxQueueSize(4096).modelDir(dir).tokenFile(dir.resolve("admin.token")).build();
        List<Tensor> inputs = c.inputs(BATCH);
        try (WKRServer server = new WKRServer(config, () -> new BenchWorker(c))) {
            server.start();
            ClientConfig cc = ClientConfig.builder("127.0.0.1", server.portIn(), server.portOut()).protocol(Protocol.NUMPY)
                    .timeout(Duration.ofSeconds(60)).build();
            LongAdder done = new LongAdder();
            List<Thread> threads = new ArrayList<>();
            long t0 = System.nanoTime();
            long end = t0 + duration.toNanos();
            for (int k = 0; k < c.clients(); k++) {
                Thread t = new Thread(() -> load(cc, inputs, c.inFlightPerClient(), end, done), "bench-client-" + k);
                threads.add(t);
                t.start();
            }
            for (Thread t : threads) t.join();
            return done.sum() / ((System.nanoTime() - t0) / 1e9);
        }
    }

    private static void load(ClientConfig config, List<Tensor> inputs, int window, long end, LongAdder done) {
        try (WKRClient client = new WKRClient(config)) {
            ArrayDeque<CompletableFuture<Object>> inFlight = new ArrayDeque<>();
            int i = 0;
            while (System.nanoTime() < end) {
                while (inFlight.size() < window) inFlight.add(client.encodeAsync(inputs.get(i++ % inputs.size())));
                inFlight.poll().get(60, TimeUnit.SECONDS);
                if (System.nanoTime() < end) done.increment();
            }
            for (CompletableFuture<Object> f : inFlight) f.get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}

package io.wkr.examples;

import io.wkr.client.ClientConfig;
import io.wkr.client.ConcurrentWKRClient;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Loads a {@link ResNetWorker} server from many threads with random images and prints the
 * throughput and the batch sizes the server formed: one caller gets batches of 1, many callers
 * get full batches and many times the images per second.
 *
 * <pre>
 * java -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' \
 *     io.wkr.examples.ResNetClient localhost 5555 5556 [threads] [images per thread] [image size]
 * </pre>
 */
public final class ResNetClient {
    private ResNetClient() {}

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        int portIn = args.length > 1 ? Integer.parseInt(args[1]) : 5555;
        int portOut = args.length > 2 ? Integer.parseInt(args[2]) : 5556;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int perThread = args.length > 4 ? Integer.parseInt(args[4]) : 10;
        int size = args.length > 5 ? Integer.parseInt(args[5]) : 32;
        run(ClientConfig.builder(host, portIn, portOut).protocol(Protocol.NUMPY).build(), threads, perThread, size, System.out);
    }

    /** A random float32 image {@code [3, size, size]} in [0, 1). */
    public static Tensor randomImage(Random rnd, int size) {
        float[] px = new float[3 * size * size];
        for (int i = 0; i < px.length; i++) px[i] = rnd.nextFloat();
        return Tensor.of(px, 3, size, size);
    }

    /** Sends {@code threads × perThread} images; returns the images per second. */
    public static double run(ClientConfig config, int threads, int perThread, int size, PrintStream out) throws Exception {
        long ok = 0;
        try (ConcurrentWKRClient client = new ConcurrentWKRClient(config, Math.min(threads, 16))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long t0 = System.nanoTime();
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    Random rnd = new Random(t);
                    results.add(pool.submit(() -> {
                        int n = 0;
                        for (int i = 0; i < perThread; i++) {
                            Tensor logits = (Tensor) client.encode(randomImage(rnd, size));
                            if (logits.shape().length == 1 && logits.shape()[0] == 10) n++;
                        }
                        return n;
                    }));
                }
                for (Future<Integer> f : results) ok += f.get();
            } finally {
                pool.shutdownNow();
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            Map<String, Object> status = client.serverStatus();
            out.printf("%d images (%dx%d) from %d threads in %.2f s: %.1f images/s%n", ok, size, size, threads, seconds, ok / seconds);
            out.println("batches formed by the server: " + status.get("batches"));
            return ok / seconds;
        }
    }
}

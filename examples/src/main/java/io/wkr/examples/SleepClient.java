package io.wkr.examples;

import io.wkr.client.ClientConfig;
import io.wkr.client.ConcurrentWKRClient;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Loads a model-like server ({@link SleepWorker}) from many threads and prints the throughput and
 * the batch sizes the server formed: with C callers and batch size B, batches grow towards
 * min(C, B) and throughput towards {@code num_worker * B / batch cost}.
 *
 * <pre>
 * java -cp ... io.wkr.examples.SleepClient [host] [port_in] [port_out] [threads] [requests per thread]
 * </pre>
 */
public final class SleepClient {
    private SleepClient() {}

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        int portIn = args.length > 1 ? Integer.parseInt(args[1]) : 5555;
        int portOut = args.length > 2 ? Integer.parseInt(args[2]) : 5556;
        int threads = args.length > 3 ? Integer.parseInt(args[3]) : 64;
        int perThread = args.length > 4 ? Integer.parseInt(args[4]) : 50;
        run(ClientConfig.builder(host, portIn, portOut).build(), threads, perThread, System.out);
    }

    /** Runs the load; returns the number of successful requests. */
    public static long run(ClientConfig config, int threads, int perThread, PrintStream out) throws Exception {
        long ok = 0;
        try (ConcurrentWKRClient client = new ConcurrentWKRClient(config, Math.min(threads, 16))) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            long t0 = System.nanoTime();
            try {
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < threads; t++) {
                    int thread = t;
                    results.add(pool.submit(() -> {
                        int n = 0;
                        for (int i = 0; i < perThread; i++) {
                            if (client.encode(thread * 1_000_000 + i).equals(thread * 1_000_000 + i)) n++;
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
            out.printf("%d requests from %d threads in %.2f s: %.0f requests/s%n", ok, threads, seconds, ok / seconds);
            out.println("batches formed by the server: " + status.get("batches"));
            out.println("latency (ms): " + status.get("latency_ms"));
        }
        return ok;
    }
}

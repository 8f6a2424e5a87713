package io.wkr.client.bench;

import io.wkr.protocol.internal.Json;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code wkr-bench}: measures a wkr server (closed or open loop) and the raw JeroMQ limit with the
 * same payloads and concurrency, in one run. See {@code docs/benchmarks.md}.
 */
@Command(name = "wkr-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load generator for wkr servers, with raw JeroMQ echo baselines measured in the same run.")
public final class Bench implements Callable<Integer> {
    @Option(names = {"-t", "--targets"}, split = ",", defaultValue = "wkr",
            description = "Comma-separated: wkr, raw-dealer, raw-pushsub, raw-reqrep, oip-http, oip-grpc, echo-http, "
                    + "echo-grpc. Default: ${DEFAULT-VALUE}.")
    List<String> targets;

    @Option(names = {"-host", "--host"}, defaultValue = "127.0.0.1", description = "wkr server host.")
    String host;

    @Option(names = {"-port_in", "--port-in"}, defaultValue = "5555", description = "wkr server port_in.")
    int portIn;

    @Option(names = {"-port_out", "--port-out"}, defaultValue = "5556", description = "wkr server port_out.")
    int portOut;

    @Option(names = {"-http_port", "--http-port"}, defaultValue = "8080", description = "wkr server HTTP port (oip-http).")
    int httpPort;

    @Option(names = {"-grpc_port", "--grpc-port"}, defaultValue = "8081", description = "wkr server gRPC port (oip-grpc).")
    int grpcPort;

    @Option(names = {"-model_name", "--model"}, defaultValue = "EchoWorker",
            description = "Model name for oip-http and oip-grpc (the server's -model_name or worker class). Default: ${DEFAULT-VALUE}.")
    String model;

    @Option(names = {"-p", "--payload"}, defaultValue = "vec128", description = "vec128, img224 or file:PATH.")
    String payload;

    @Option(names = {"-c", "--clients"}, split = ",", defaultValue = "1",
            description = "Concurrent clients (closed loop); a list sweeps. Default: ${DEFAULT-VALUE}.")
    List<Integer> clients;

    @Option(names = {"-k", "--in-flight"}, defaultValue = "1", description = "Requests in flight per client.")
    int inFlight;

    @Option(names = {"-r", "--rate"}, defaultValue = "0", description = "Open loop: requests per second (wkr only).")
    double rate;

    @Option(names = {"-n", "--count"}, defaultValue = "9223372036854775807", description = "Stop after this many requests.")
    long count;

    @Option(names = {"-d", "--duration"}, defaultValue = "10", description = "Stop after this many seconds.")
    double seconds;

    @Option(names = {"-w", "--warmup"}, defaultValue = "2", description = "Seconds of unrecorded load before each run.")
    double warmup;

    @Option(names = {"--repeat"}, defaultValue = "1", description = "Runs per setting; the summary shows medians.")
    int repeat;

    @Option(names = {"--connections"}, defaultValue = "0",
            description = "wkr client connections (default: min(clients, 16)).")
    int connections;

    @Option(names = {"--timeout"}, defaultValue = "30000", description = "ms to wait for a reply before giving up.")
    long timeoutMillis;

    @Option(names = {"--no-check"}, description = "Do not compare replies with requests (for non-echo workers).")
    boolean noCheck;

    @Option(names = {"--json"}, description = "Write every run and the medians as JSON to this file.")
    Path json;

    @Option(names = {"--chart"}, description = "Write a latency-vs-throughput PNG of the sweep to this file.")
    Path chart;

    private final PrintStream out;

    Bench(PrintStream out) {
        this.out = out;
    }

    public static void main(String[] args) {
        System.exit(run(System.out, args));
    }

    static int run(PrintStream out, String... args) {
        return new CommandLine(new Bench(out)).execute(args);
    }

    @Override
    public Integer call() throws Exception {
        Payload p = Payload.parse(payload);
        Runner runner = new Runner(Duration.ofMillis(timeoutMillis));
        List<Result> all = new ArrayList<>();
        List<Result> medians = new ArrayList<>();
        for (String t : targets) {
            for (int c : rate > 0 ? List.of(connections > 0 ? connections : 8) : clients) {
                List<Result> runs = new ArrayList<>();
                try (Target target = open(t, p, c)) {
                    if (warmup > 0) measure(runner, target, p, c, new Runner.Bounds(Long.MAX_VALUE, seconds(warmup)), false);
                    for (int i = 0; i < repeat; i++) {
                        Result r = measure(runner, target, p, c, new Runner.Bounds(count, seconds(seconds)), true);
                        out.println(r.line());
                        runs.add(r);
                    }
                }
                all.addAll(runs);
                Result median = median(runs);
                medians.add(median);
                if (repeat > 1) out.println("median       " + median.line().substring(13));
            }
        }
        if (json != null) writeJson(all, medians);
        if (chart != null) {
            Chart.write(chart, "wkr-bench " + payload + ": latency vs throughput (C = " + clients + ", K = " + inFlight + ")",
                    medians);
            out.println("chart: " + chart);
        }
        return 0;
    }

    private static Duration seconds(double s) {
        return Duration.ofNanos((long) (s * 1e9));
    }

    private Target open(String name, Payload p, int c) {
        return switch (name) {
            case "wkr" -> new WkrTarget(host, portIn, portOut, connections > 0 ? connections : Math.min(c, 16),
                    Duration.ofMillis(timeoutMillis), p, !noCheck);
            case "raw-dealer" -> new RawTarget(RawTarget.Shape.DEALER, p);
            case "raw-pushsub" -> new RawTarget(RawTarget.Shape.PUSHSUB, p);
            case "raw-reqrep" -> new RawTarget(RawTarget.Shape.REQREP, p);
            case "oip-http" -> new OipTargets.Http(host, httpPort, model, p, !noCheck, Duration.ofMillis(timeoutMillis));
            case "oip-grpc" -> new OipTargets.Grpc(host, grpcPort, model, p, !noCheck, Duration.ofMillis(timeoutMillis));
            case "echo-http" -> OipTargets.Http.echo(p, Duration.ofMillis(timeoutMillis));
            case "echo-grpc" -> OipTargets.Grpc.echo(p, Duration.ofMillis(timeoutMillis));
            default -> throw new IllegalArgumentException("unknown target " + name);
        };
    }

    private Result measure(Runner runner, Target target, Payload p, int c, Runner.Bounds bounds, boolean show)
            throws InterruptedException {
        // one request at a time per client: REQ/REP by its nature, the OIP targets as their clients call
        int k = target.name().equals("raw-reqrep") || target instanceof OipTargets.Http || target instanceof OipTargets.Grpc
                ? 1 : inFlight;
        boolean terminal = show && System.console() != null;
        String label = target.name() + " C=" + c;
        try (Progress progress = new Progress(label, bounds.count(), bounds.duration().toNanos(), System.err, terminal)) {
            if (rate > 0) {
                if (!(target instanceof WkrTarget w)) throw new IllegalArgumentException("open loop (--rate) is for the wkr target");
                return runner.openLoop(w, p, rate, 100_000, bounds, progress);
            }
            return runner.closedLoop(target, p, c, k, bounds, progress);
        }
    }

    /** The run with the median throughput (its latency figures come with it). */
    static Result median(List<Result> runs) {
        List<Result> sorted = new ArrayList<>(runs);
        sorted.sort(Comparator.comparingDouble(Result::throughput));
        return sorted.get(sorted.size() / 2);
    }

    private void writeJson(List<Result> all, List<Result> medians) throws Exception {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("payload", payload);
        m.put("java", System.getProperty("java.version"));
        m.put("cores", Runtime.getRuntime().availableProcessors());
        m.put("runs", all.stream().map(Result::toMap).toList());
        m.put("medians", medians.stream().map(r -> {
            Map<String, Object> x = r.toMap();
            double[] tp = all.stream().filter(a -> a.target.equals(r.target) && a.clients == r.clients)
                    .mapToDouble(Result::throughput).sorted().toArray();
            x.put("throughput_spread", String.format(Locale.ROOT, "%.0f..%.0f", tp[0], tp[tp.length - 1]));
            return x;
        }).toList());
        Files.writeString(json, Json.write(m), StandardCharsets.UTF_8);
        out.println("json: " + json);
    }
}

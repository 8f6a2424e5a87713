package io.wkr.examples;

import io.wkr.client.ClientConfig;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * wkr's main job on an embedded default: starts a server with the {@link SleepWorker} (a
 * model-like worker: 5 ms per batch + 0.1 ms per item) on free local ports with the dashboard on,
 * prints the dashboard's URL, calls the server from the Java client one request at a time and
 * then from 64 threads at once, prints what the server did, and stops it cleanly ({@code --serve}
 * keeps it up instead). Run it with {@code scripts/wkr-demo}.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        boolean serve = java.util.Arrays.asList(args).contains("--serve");
        run(System.out, serve);
    }

    public static void run(PrintStream out) throws Exception {
        run(out, false);
    }

    /** @param serve keep serving after the demo load, until the process is stopped (Ctrl-C) */
    public static void run(PrintStream out, boolean serve) throws Exception {
        Path dir = Files.createTempDirectory("wkr-demo");
        ServerConfig config = ServerConfig.builder()
                .bindHost("127.0.0.1").portIn(0).portOut(0).httpPort(0)
                .numWorker(2).batchSize(32)
                .modelDir(dir).modelName("5+0.1")
                .tokenFile(dir.resolve("admin.token"))
                .build();
        try (WKRServer server = new WKRServer(config, SleepWorker::new)) {
            server.start();
            out.printf("wkr server ready: 2 x SleepWorker, requests on tcp://127.0.0.1:%d, replies on tcp://127.0.0.1:%d%n",
                    server.portIn(), server.portOut());
            out.printf("dashboard: http://127.0.0.1:%d/  (metrics: /metrics, status: /status)%n", server.httpPort());
            ClientConfig client = ClientConfig.builder("127.0.0.1", server.portIn(), server.portOut())
                    .timeout(Duration.ofSeconds(30)).build();
            out.println("one client, one request at a time:");
            EchoClient.run(client, out);
            out.println("64 threads at once (watch the batches grow):");
            SleepClient.run(client, 64, 40, out);
            if (serve) {
                out.printf("serving until stopped (Ctrl-C): open http://127.0.0.1:%d/%n", server.httpPort());
                Runtime.getRuntime().addShutdownHook(new Thread(server::close, "wkr-demo-stop"));
                server.awaitTermination();
                return;
            }
            out.println("stopping: draining queued work, then closing (run with --serve to keep it up)");
        }
        out.println("stopped cleanly");
    }
}

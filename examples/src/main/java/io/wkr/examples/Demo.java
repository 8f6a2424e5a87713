package io.wkr.examples;

import io.wkr.client.ClientConfig;
import io.wkr.server.ServerConfig;
import io.wkr.server.WKRServer;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * wkr's main job on an embedded default: starts a server with the {@link SleepWorker} (a
 * model-like worker: 5 ms per batch + 0.1 ms per item) on free local ports, calls it from the Java
 * client one request at a time and then from 64 threads at once, prints what the server did, and
 * stops it cleanly. Run it with {@code scripts/wkr-demo}.
 */
public final class Demo {
    private Demo() {}

    public static void main(String[] args) throws Exception {
        run(System.out);
    }

    public static void run(PrintStream out) throws Exception {
        Path dir = Files.createTempDirectory("wkr-demo");
        ServerConfig config = ServerConfig.builder()
                .bindHost("127.0.0.1").portIn(0).portOut(0)
                .numWorker(2).batchSize(32)
                .modelDir(dir).modelName("5+0.1")
                .tokenFile(dir.resolve("admin.token"))
                .build();
        try (WKRServer server = new WKRServer(config, SleepWorker::new)) {
            server.start();
            out.printf("wkr server ready: 2 x SleepWorker, requests on tcp://127.0.0.1:%d, replies on tcp://127.0.0.1:%d%n",
                    server.portIn(), server.portOut());
            out.println("dashboard: not in this build yet (HTTP comes with -http_port); status below comes from SHOW_CONFIG");
            ClientConfig client = ClientConfig.builder("127.0.0.1", server.portIn(), server.portOut())
                    .timeout(Duration.ofSeconds(30)).build();
            out.println("one client, one request at a time:");
            EchoClient.run(client, out);
            out.println("64 threads at once (watch the batches grow):");
            SleepClient.run(client, 64, 40, out);
            out.println("stopping: draining queued work, then closing");
        }
        out.println("stopped cleanly");
    }
}

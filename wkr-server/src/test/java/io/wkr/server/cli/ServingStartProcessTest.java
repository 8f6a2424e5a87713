package io.wkr.server.cli;

import io.wkr.server.config.ServerConfig;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.testing.CliProcess;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.RawPeer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** wkr-serving-start in a child JVM: start-up, SIGTERM drain, exit codes, log files. */
@Timeout(120)
class ServingStartProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path dir;

    @Test
    void shouldServeUntilSigtermThenDrainAndExitZero() throws Exception {
        Path token = dir.resolve("admin.token");
        try (CliProcess server = CliProcess.start(dir, ServingStart.class, EchoTestWorker.class.getName(),
                "-port_in", "0", "-port_out", "0", "-ip", "127.0.0.1", "-token_file", token.toString(),
                "-http_max_connect", "2")) {
            int[] ports = server.awaitReady(WAIT);
            assertThat(token).exists();
            try (RawPeer client = new RawPeer("127.0.0.1", ports[0], ports[1], "tester")) {
                assertThat(client.handshake(WAIT)).contains("\"worker_class\"").contains("EchoTestWorker");
            }
            server.process().toHandle().destroy(); // SIGTERM; Process.destroy() would also close our end of its stdout
            assertThat(server.awaitExit(WAIT)).isZero();
            assertThat(server.output())
                    .contains("-http_max_connect is ignored")
                    .contains("config: ServerConfig[")
                    .contains("signal received, draining")
                    .contains("wkr-serving-start stopped");
            assertThat(token).doesNotExist();
        }
    }

    @Test
    void shouldExitOneWithTheReasonWhenTheModelCannotLoad() throws Exception {
        try (CliProcess server = CliProcess.start(dir, ServingStart.class, CliTestWorkers.BrokenModel.class.getName(),
                "-port_in", "0", "-port_out", "0", "-token_file", dir.resolve("t").toString())) {
            assertThat(server.awaitExit(WAIT)).isEqualTo(1);
            assertThat(server.output())
                    .contains("wkr-serving-start: cannot start " + CliTestWorkers.BrokenModel.class.getName())
                    .contains("weights file missing");
        }
    }

    @Test
    void shouldLogToFilesWithLogDirAndKeepTheConsoleToLifecycleLines() throws Exception {
        try (CliProcess server = CliProcess.start(dir, ServingStart.class, EchoTestWorker.class.getName(),
                "-port_in", "0", "-port_out", "0", "-token_file", dir.resolve("t").toString(), "-log_dir", "logs",
                "-log_name", "svc")) {
            server.awaitReady(WAIT);
            server.process().toHandle().destroy();
            assertThat(server.awaitExit(WAIT)).isZero();
            String log = Files.readString(dir.resolve("logs/svc.log"));
            assertThat(log).contains("wkr-serving-start ready").contains("io.wkr.server.WKRServer: loading");
            assertThat(dir.resolve("logs/svc.err")).exists();
            assertThat(Files.readString(dir.resolve("logs/svc.err"))).doesNotContain("INFO");
            assertThat(server.output()).contains("wkr-serving-start ready").doesNotContain("WKRServer: loading");
        }
    }

    @Test
    void shouldWriteStartFailuresToTheErrFile() throws Exception {
        try (CliProcess server = CliProcess.start(dir, ServingStart.class, CliTestWorkers.BrokenModel.class.getName(),
                "-port_in", "0", "-port_out", "0", "-token_file", dir.resolve("t").toString(), "-log_dir", "logs")) {
            assertThat(server.awaitExit(WAIT)).isEqualTo(1);
            assertThat(Files.readString(dir.resolve("logs/WKRServer.err")))
                    .contains("ERROR").contains("weights file missing");
        }
    }
}

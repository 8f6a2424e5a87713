package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.testing.Await;
import io.wkr.server.testing.Processes;
import io.wkr.server.testing.RawPeer;
import java.io.File;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launchers end to end: {@code scripts/wkr-serving-make} writes a run_script.sh for the
 * echo worker, and {@code start}, a numpy request, {@code stop}, {@code start}, {@code stopf}
 * drive a real server process; {@code scripts/wkr-serving-terminate} stops one only with the
 * right token. Needs the packaged wkr-server (mvn verify / install builds it before this module's
 * tests run).
 */
@Timeout(180)
class RunScriptTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern PORTS = Pattern.compile("wkr-serving-start ready: port_in (\\d+) port_out (\\d+)");
    private static Path root;

    @TempDir Path dir;

    private record Result(int code, String out) {}

    @BeforeAll
    static void findCheckout() throws IOException {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        root = Files.exists(here.resolve("scripts/wkr-serving-make")) ? here : here.getParent();
        assertThat(root.resolve("scripts/wkr-serving-make")).as("scripts/ of the checkout").isExecutable();
        try (var jars = Files.list(root.resolve("wkr-server/target"))) {
            assertThat(jars.anyMatch(p -> p.getFileName().toString().matches("wkr-server-.*(?<!-tests)\\.jar")))
                    .as("wkr-server is packaged; run: mvn -q -B package -DskipTests").isTrue();
        }
    }

    private static String classes() {
        return root.resolve("examples/target/classes").toString();
    }

    private Result run(Path workDir, List<String> command) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        Process p = new ProcessBuilder(command).directory(workDir.toFile()).redirectErrorStream(true)
                .redirectOutput(out.toFile()).redirectInput(new File("/dev/null")).start();
        if (!p.waitFor(WAIT.toSeconds() * 2, TimeUnit.SECONDS)) {
            p.toHandle().destroyForcibly();
            throw new AssertionError(command + " did not finish:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    private Result script(Path script, String command) throws Exception {
        return run(dir, List.of("sh", script.toString(), command));
    }

    @Test
    void shouldStartServeStopAndKillThroughTheGeneratedRunScript() throws Exception {
        Path work = Files.createDirectories(dir.resolve("service"));
        Result made = run(work, List.of(root.resolve("scripts/wkr-serving-make").toString(),
                EchoWorker.class.getName(), "-port_in", "0", "-port_out", "0", "-ip", "127.0.0.1",
                "-protocol", "numpy", "-cp", classes(), "-token_file", dir.resolve("admin token").toString(),
                "-name", "echo", "-drain_timeout", "10"));
        assertThat(made.code).as(made.out).isZero();
        Path script = Files.writeString(work.resolve("run_script.sh"), made.out);
        Path pidFile = work.resolve("echo.pid");
        Path log = work.resolve("logs/std.log");

        Result start = script(script, "start");
        assertThat(start.code).as(start.out).isZero();
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(script(script, "status")).isEqualTo(new Result(0, "echo is running (pid " + pid + ")\n"));
        assertThat(Files.readString(log)).contains("wkr-serving-start ready").contains("pid " + pid + ")");
        assertThat(script(script, "start").code).isEqualTo(1);

        int[] ports = ports(Files.readString(log));
        float[] input = {1.5f, -2.25f};
        byte[] payload = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putFloat(input[0]).putFloat(input[1])
                .array();
        try (RawPeer client = peer(ports)) {
            client.handshake(WAIT);
            List<byte[]> reply = client.call("1", payload,
                    "{\"dtype\":\"float32\",\"shape\":[2]}".getBytes(StandardCharsets.UTF_8), WAIT);
            assertThat(reply.get(2)).isEqualTo(payload);
            assertThat(new String(reply.get(3), StandardCharsets.UTF_8)).contains("float32").contains("[2]");
        }

        Result stop = script(script, "stop");
        assertThat(stop.code).as(stop.out).isZero();
        assertThat(Processes.running(pid)).isFalse();
        assertThat(pidFile).doesNotExist();
        assertThat(Files.readString(log)).contains("signal received, draining").contains("wkr-serving-start stopped");
        assertThat(script(script, "status").code).isEqualTo(3);

        assertThat(script(script, "start").code).isZero();
        long pid2 = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(Processes.running(pid2)).isTrue();
        Result kill = script(script, "stopf");
        assertThat(kill.code).as(kill.out).isZero();
        assertThat(Processes.running(pid2)).isFalse();
        assertThat(pidFile).doesNotExist();
        assertThat(script(script, "status").code).isEqualTo(3);
    }

    @Test
    void shouldStopAServerWithWkrServingTerminateOnlyWithTheRightToken() throws Exception {
        Path token = dir.resolve("admin.token");
        Path log = dir.resolve("server.log");
        Process server = new ProcessBuilder(root.resolve("scripts/wkr-serving-start").toString(),
                EchoWorker.class.getName(), "-port_in", "0", "-port_out", "0", "-cp", classes(),
                "-token_file", token.toString()).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(log.toFile()).redirectInput(new File("/dev/null")).start();
        try {
            Await.until(() -> PORTS.matcher(read(log)).find() || !server.isAlive(), WAIT, "server ready");
            int[] ports = ports(read(log));
            String terminate = root.resolve("scripts/wkr-serving-terminate").toString();
            Path wrong = Files.writeString(dir.resolve("wrong.token"), "not-the-token\n");

            Result refused = run(dir, List.of(terminate, "-port", "" + ports[0], "-port_out", "" + ports[1],
                    "-token_file", wrong.toString()));
            assertThat(refused.code).as(refused.out).isEqualTo(1);
            assertThat(refused.out).contains("refused");
            try (RawPeer client = peer(ports)) {
                client.handshake(WAIT); // still serving
            }
            assertThat(server.isAlive()).isTrue();

            Result accepted = run(dir, List.of(terminate, "-port", "" + ports[0], "-token_file", token.toString()));
            assertThat(accepted.code).as(accepted.out).isZero();
            assertThat(server.waitFor(WAIT.toSeconds(), TimeUnit.SECONDS)).isTrue();
            assertThat(server.exitValue()).isZero();
            assertThat(read(log)).contains("refused TERMINATION").contains("wkr-serving-start stopped");
            assertThat(token).doesNotExist();
        } finally {
            server.toHandle().destroyForcibly();
        }
    }

    private static int[] ports(String log) {
        Matcher m = PORTS.matcher(log);
        assertThat(m.find()).as("ready line in:\n" + log).isTrue();
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "";
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }



    private static RawPeer peer(int[] ports) {
        return new RawPeer("127.0.0.1", ports[0], ports[1], "run-script-test-" + ProcessHandle.current().pid());
    }
}

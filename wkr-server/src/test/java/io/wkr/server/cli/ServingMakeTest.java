package io.wkr.server.cli;

import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.Processes;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * wkr-serving-make in a child JVM and the script it prints, run by the real {@code sh} against a
 * stand-in {@code wkr-serving-start} that records its arguments: quoting, and the start / status
 * / stop / stopf logic. (The run with a real server is {@code io.wkr.examples.RunScriptTest}.)
 */
@Timeout(120)
class ServingMakeTest {
    /** Records its arguments NUL-separated, says it is ready, and runs until SIGTERM. */
    private static final String FAKE_LAUNCHER = """
            #!/usr/bin/env bash
            printf '%s\\0' "$@" > args.bin
            echo "wkr-serving-start ready: port_in 1 port_out 2 (fake)"
            trap 'echo "fake drained"; exit 0' TERM
            while :; do sleep 0.05; done
            """;

    @TempDir Path dir;

    private record Result(int code, String out) {}

    private Path home() throws IOException {
        Path scripts = Files.createDirectories(dir.resolve("home/scripts"));
        Path fake = Files.writeString(scripts.resolve("wkr-serving-start"), FAKE_LAUNCHER);
        Files.setPosixFilePermissions(fake, PosixFilePermissions.fromString("rwxr-xr-x"));
        return dir.resolve("home");
    }

    private Result make(Path work, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Dwkr.home=" + home(), "-cp",
                System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                ServingMake.class.getName()));
        cmd.addAll(Arrays.asList(args));
        Path out = dir.resolve("make.out");
        Process p = new ProcessBuilder(cmd).directory(work.toFile()).redirectOutput(out.toFile())
                .redirectError(dir.resolve("make.err").toFile()).start();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), Files.readString(out) + Files.readString(dir.resolve("make.err")));
    }

    private static Result sh(Path script, String command) throws Exception {
        Process p = new ProcessBuilder("sh", script.toString(), command).redirectErrorStream(true)
                .redirectInput(new File("/dev/null")).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    @Test
    void shouldQuoteEveryWordSoTheServerGetsTheExactArguments() throws Exception {
        Path work = Files.createDirectories(dir.resolve("work dir"));
        List<String> serverArgs = List.of(EchoTestWorker.class.getName(), "-port_in", "0", "-port_out", "0",
                "-model_name", "it's a \"model\" $HOME `id` \\ ; & | *", "-tmp_folder", "", "-ip", "*",
                "-device_map", "0", "-1", "-log_name", "ünï", "-http_new");
        List<String> makeArgs = new ArrayList<>(serverArgs);
        makeArgs.addAll(3, List.of("-name", "svc"));
        Result made = make(work, makeArgs.toArray(String[]::new));
        assertThat(made.code).as(made.out).isZero();
        Path script = Files.writeString(work.resolve("run_script.sh"), made.out);

        Result start = sh(script, "start");
        assertThat(start.code).as(start.out).isZero();
        assertThat(start.out).contains("Ok (pid ");
        byte[] recorded = Files.readAllBytes(work.resolve("args.bin"));
        List<String> got = Arrays.asList(new String(recorded, StandardCharsets.UTF_8).split("\0", -1));
        assertThat(got.subList(0, got.size() - 1)).containsExactlyElementsOf(serverArgs);
        assertThat(sh(script, "stop").code).isZero();
    }

    @Test
    void shouldStartOnceReportStatusStopAndKill() throws Exception {
        Result made = make(dir, EchoTestWorker.class.getName(), "-name=echo");
        assertThat(made.code).as(made.out).isZero();
        Path script = Files.writeString(dir.resolve("run_script.sh"), made.out);
        Path pidFile = dir.resolve("echo.pid");

        assertThat(sh(script, "status")).isEqualTo(new Result(3, "echo is not running\n"));
        assertThat(sh(script, "start").code).isZero();
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(Processes.running(pid)).isTrue();
        assertThat(dir.resolve("logs/std.log")).content().contains("wkr-serving-start ready");
        assertThat(sh(script, "status")).isEqualTo(new Result(0, "echo is running (pid " + pid + ")\n"));
        Result again = sh(script, "start");
        assertThat(again.code).isEqualTo(1);
        assertThat(again.out).contains("already running (pid " + pid + ")");

        Result stop = sh(script, "stop");
        assertThat(stop.code).as(stop.out).isZero();
        assertThat(pidFile).doesNotExist();
        assertThat(Processes.running(pid)).isFalse();
        assertThat(dir.resolve("logs/std.log")).content().contains("fake drained");

        assertThat(sh(script, "restart").code).isZero();
        long pid2 = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(dir.resolve("logs/std.log.1")).exists();
        Result killed = sh(script, "stopf");
        assertThat(killed.code).isZero();
        assertThat(pidFile).doesNotExist();
        assertThat(Processes.running(pid2)).isFalse();
        assertThat(sh(script, "bogus").code).isEqualTo(2);
    }

    @Test
    void shouldRejectBadCommandLinesAtGenerationTime() throws Exception {
        Result noName = make(dir, EchoTestWorker.class.getName());
        assertThat(noName.code).isEqualTo(2);
        assertThat(noName.out).contains("name");
        Result badName = make(dir, EchoTestWorker.class.getName(), "-name", "a b");
        assertThat(badName.code).isEqualTo(2);
        assertThat(badName.out).contains("-name must be");
        Result badClass = make(dir, "java.lang.String", "-name", "x");
        assertThat(badClass.code).isEqualTo(2);
        assertThat(badClass.out).contains("does not extend");
        Result badValue = make(dir, EchoTestWorker.class.getName(), "-name", "x", "-num_worker", "0");
        assertThat(badValue.code).isEqualTo(2);
    }

    @Test
    void shouldDropOnlyTheNameOption() {
        assertThat(ServingMake.withoutName(List.of("W", "-name", "x", "-port", "1", "--name=y", "-model_name", "n")))
                .containsExactly("W", "-port", "1", "-model_name", "n");
    }

    @Test
    void shouldQuoteForShOnlyWhereNeeded() {
        assertThat(RunScript.quote("-port_in")).isEqualTo("-port_in");
        assertThat(RunScript.quote("/a/b.jar:c/d")).isEqualTo("/a/b.jar:c/d");
        assertThat(RunScript.quote("")).isEqualTo("''");
        assertThat(RunScript.quote("lib/*")).isEqualTo("'lib/*'");
        assertThat(RunScript.quote("it's")).isEqualTo("'it'\\''s'");
    }
}

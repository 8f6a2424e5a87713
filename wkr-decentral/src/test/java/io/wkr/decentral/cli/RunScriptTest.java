package io.wkr.decentral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.RedisConfig;
import io.wkr.decentral.redis.JobQueue;
import io.wkr.decentral.redis.JobUnit;
import io.wkr.decentral.testing.ChildProcess;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Processes;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real launchers end to end: {@code scripts/wkr-decentral-make} prints a run_script.sh for
 * the built-in unit against a password-protected Redis and a real server; {@code start}, {@code
 * status}, jobs, {@code wkr-decentral-status}, {@code stop}, {@code start}, {@code stopf} drive a
 * real central process. The launchers run this build's classes ({@code WKR_CLASSPATH}); the
 * password is in no script, log or status.
 */
@Timeout(180)
class RunScriptTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final String PASSWORD = "rs-Secret-9f3";
    private static final Pattern READY = Pattern.compile("wkr-decentral-start ready: port (\\d+)");
    private static Path root;

    @TempDir Path dir;

    private record Result(int code, String out) {}

    /** Kills a central the script started if the test failed before stopping it. */
    @AfterEach
    void killLeftovers() throws IOException {
        Path pidFile = dir.resolve("service dir/dc.pid");
        if (Files.exists(pidFile)) {
            ProcessHandle.of(Long.parseLong(Files.readString(pidFile).strip())).ifPresent(ProcessHandle::destroyForcibly);
        }
    }

    @BeforeAll
    static void findCheckout() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        root = Files.exists(here.resolve("scripts/wkr-decentral-make")) ? here : here.getParent();
        assertThat(root.resolve("scripts/wkr-decentral-make")).isExecutable();
    }

    private Result run(Path workDir, List<String> command) throws Exception {
        try (ChildProcess p = ChildProcess.start(workDir, command, Map.of("WKR_CLASSPATH", ChildProcess.testClassPath()))) {
            int code = p.waitFor(WAIT.multipliedBy(2));
            return new Result(code, p.output());
        }
    }

    private Result script(Path script, String command) throws Exception {
        return run(script.getParent(), List.of("sh", script.toString(), command));
    }

    @Test
    void shouldStartServeStopAndKillACentralThroughTheGeneratedRunScript() throws Exception {
        try (RedisServer redis = RedisServer.start(dir.resolve("redis"), List.of("--save", "", "--appendonly", "no"),
                PASSWORD)) {
            WKRServer server = Cluster.server(dir.resolve("s1"), new TestWorker.Controls());
            try {
                run(redis, server);
            } finally {
                server.close();
            }
        }
    }

    private void run(RedisServer redis, WKRServer server) throws Exception {
        Path work = Files.createDirectories(dir.resolve("service dir"));
        Path passwordFile = Files.writeString(dir.resolve("redis.pw"), PASSWORD + "\n");
        Path token = dir.resolve("control.token");
        List<String> make = new ArrayList<>(List.of(root.resolve("scripts/wkr-decentral-make").toString(),
                JobUnit.class.getName(), "-remote_servers",
                "[[\"127.0.0.1\", " + server.portIn() + ", " + server.portOut() + "]]", "-num_client", "2",
                "-redis_host", redis.host(), "-redis_port", "" + redis.port(), "-redis_password_file",
                passwordFile.toString(), "-stream", "rs:jobs", "-stop_timeout", "10", "-token_file", token.toString(),
                "-name", "dc"));
        Result made = run(work, make);
        assertThat(made.code).as(made.out).isZero();
        assertThat(made.out).startsWith("#!/bin/sh").contains("wkr-decentral-start").doesNotContain(PASSWORD);
        Path script = Files.writeString(work.resolve("run_script.sh"), made.out);
        Path pidFile = work.resolve("dc.pid");
        Path log = work.resolve("logs/std.log");

        Result start = script(script, "start");
        assertThat(start.code).as(start.out + read(log)).isZero();
        assertThat(start.out).contains("Ok (pid");
        long pid = Long.parseLong(Files.readString(pidFile).strip());
        assertThat(script(script, "status")).isEqualTo(new Result(0, "dc is running (pid " + pid + ")\n"));
        assertThat(script(script, "start").code).as("a second start is refused").isEqualTo(1);

        JobsConfig jobs = JobsConfig.builder().stream("rs:jobs").build();
        try (JobQueue queue = new JobQueue(RedisConfig.of(redis.host(), redis.port()).withPassword(PASSWORD), jobs)) {
            List<String> ids = queue.submitAll(List.of("one", "two", "three"));
            assertThat(queue.result(ids.get(0), WAIT)).isEqualTo("one");
            assertThat(queue.result(ids.get(2), WAIT)).isEqualTo("three");
        }
        Matcher ready = READY.matcher(read(log));
        assertThat(ready.find()).as(read(log)).isTrue();
        Result status = run(work, List.of(root.resolve("scripts/wkr-decentral-status").toString(), "-port", ready.group(1)));
        assertThat(status.code).as(status.out).isZero();
        assertThat(status.out).contains("\"number_client_per_server\":2").contains("\"jobs_done\":3")
                .contains("\"password\":\"***\"").doesNotContain(PASSWORD);

        Result stop = script(script, "stop");
        assertThat(stop.code).as(stop.out).isZero();
        assertThat(Processes.running(pid)).isFalse();
        assertThat(pidFile).doesNotExist();
        assertThat(read(log)).contains("signal received").contains("wkr-decentral-start stopped")
                .doesNotContain(PASSWORD);
        assertThat(token).doesNotExist();
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
    void shouldRefuseBadCommandLinesWhenMakingTheScript() throws Exception {
        Path work = Files.createDirectories(dir.resolve("w"));
        String make = root.resolve("scripts/wkr-decentral-make").toString();
        Result noServers = run(work, List.of(make, JobUnit.class.getName(), "-name", "x"));
        assertThat(noServers.code).isEqualTo(2);
        assertThat(noServers.out).contains("remote-servers");
        Result badJson = run(work, List.of(make, JobUnit.class.getName(), "-remote_servers", "[[10.0.0.1, 1, 2]]",
                "-name", "x"));
        assertThat(badJson.code).isEqualTo(2);
        assertThat(badJson.out).contains("not valid JSON").contains("double quotes");
        Result badClass = run(work, List.of(make, "java.lang.String", "-remote_servers", "[[\"h\", 1, 2]]", "-name", "x"));
        assertThat(badClass.code).isEqualTo(2);
        assertThat(badClass.out).contains("does not extend io.wkr.decentral.WKRWorker");
        Result password = run(work, List.of(make, JobUnit.class.getName(), "-remote_servers", "[[\"h\", 1, 2]]",
                "-redis_password", "p", "-name", "x"));
        assertThat(password.code).isEqualTo(2);
        assertThat(password.out).contains("-redis_password_file");
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }

}

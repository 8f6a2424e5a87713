package io.wkr.decentral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.testing.ChildProcess;
import io.wkr.decentral.testing.TestUnits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original's {@code wkr-decentral-*} command lines, option spelling for option spelling (its
 * {@code helper.py} parsers: {@code -port}/{@code -port_in}/{@code -port_data}, the reply port
 * {@code -port_out}/{@code -port_pull} that its {@code status} and {@code switch} required, {@code
 * -ip}, {@code -timeout}, {@code -num_client}, {@code -remote_servers} with {@code None}, {@code
 * -log_dir}, {@code -log_name}), run through {@code scripts/} (the main classes in child JVMs,
 * {@code WKR_CLASSPATH} = this test's class path) against a central the test starts the same way,
 * with idle units and no Redis. Every one exits 0 and does what it did; an option that means
 * nothing now prints one note, once. {@code -Duser.home} keeps the default token file in the
 * test's directory, so the tools find it without {@code -token_file}, as the original's did.
 */
@Timeout(240)
class OldCommandLinesTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final Pattern READY = Pattern.compile("wkr-decentral-start ready: port (\\d+)");
    private static final String NOTE = "-port_out/-port_pull is ignored";
    private static final String SERVERS = "[[\"127.0.0.1\", 5555, 5556]]";
    private static Path root;

    @TempDir Path dir;

    private record Result(int code, String out) {}

    @BeforeAll
    static void findCheckout() {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        root = Files.exists(here.resolve("scripts/wkr-decentral-status")) ? here : here.getParent();
        assertThat(root.resolve("scripts/wkr-decentral-status")).isExecutable();
    }

    private Map<String, String> env() {
        return Map.of("WKR_CLASSPATH", ChildProcess.testClassPath(), "JAVA_OPTS", "-Duser.home=" + dir);
    }

    private ChildProcess launch(String tool, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(root.resolve("scripts").resolve(tool).toString()));
        cmd.addAll(List.of(args));
        return ChildProcess.start(dir, cmd, env());
    }

    /** Runs {@code tool args} to its end. */
    private Result run(String tool, String... args) throws Exception {
        try (ChildProcess p = launch(tool, args)) {
            int code = p.waitFor(WAIT);
            return new Result(code, p.output());
        }
    }

    private static int count(String text, String what) {
        int n = 0;
        for (int i = text.indexOf(what); i >= 0; i = text.indexOf(what, i + 1)) n++;
        return n;
    }

    /** Runs an old command line and checks it exits 0 with the note {@code notes} times (0 or 1). */
    private Result ok(int notes, String tool, String... args) throws Exception {
        Result r = run(tool, args);
        assertThat(r.code()).as("%s %s exits 0:%n%s", tool, String.join(" ", args), r.out()).isZero();
        assertThat(count(r.out(), NOTE)).as("notes on -port_out in:%n%s", r.out()).isEqualTo(notes);
        return r;
    }

    @Test
    void shouldRunTheOriginalsCommandLinesAgainstARealCentral() throws Exception {
        Path logs = Files.createDirectories(dir.resolve("logs"));
        // get_args_parser: -ip -port -port_out -num_client -remote_servers -log_dir -log_name -timeout.
        try (ChildProcess central = launch("wkr-decentral-start", TestUnits.Idle.class.getName(), "-ip", "127.0.0.1",
                "-port", "0", "-port_out", "21326", "-num_client", "1", "-remote_servers", SERVERS, "-log_dir",
                logs.toString(), "-log_name", "old", "-timeout", "5000")) {
            Matcher ready = central.await(READY, WAIT);
            String port = ready.group(1);
            assertThat(count(central.output(), NOTE)).as("start's note, once:%n%s", central.output()).isEqualTo(1);
            assertThat(Files.readString(logs.resolve("old.log"))).contains(NOTE);

            // get_status_parser: -ip, -port/-port_in/-port_data, -port_out/-port_pull (required), -timeout.
            Result status = ok(1, "wkr-decentral-status", "-port", port, "-port_out", "21326");
            assertThat(status.out()).contains("\"number_client_per_server\":1").contains("\"state\":\"RUNNING\"");
            ok(1, "wkr-decentral-status", "-ip", "127.0.0.1", "-port_data", port, "-port_pull", "21326",
                    "-timeout", "5000");
            ok(1, "wkr-decentral-status", "-port_in", port, "-port_out", "21326");
            ok(0, "wkr-decentral-status", "-port_data", port);

            // get_switch_parser: as status, plus -num_client (0 = keep) and -remote_servers (None = keep).
            Result switched = ok(1, "wkr-decentral-switch", "-ip", "127.0.0.1", "-port", port, "-port_out", "21326",
                    "-num_client", "2", "-remote_servers", SERVERS, "-timeout", "5000");
            assertThat(switched.out()).contains("SWITCH done:");
            assertThat(ok(0, "wkr-decentral-status", "-port", port).out()).contains("\"number_client_per_server\":2");
            ok(1, "wkr-decentral-switch", "-port_data", port, "-port_pull", "21326", "-remote_servers", "None",
                    "-num_client", "1");
            assertThat(ok(0, "wkr-decentral-status", "-port", port).out()).contains("\"number_client_per_server\":1")
                    .contains("\"remote_servers\":[[\"127.0.0.1\",5555,5556]]");
            // argparse took unique prefixes of the names; and "none" in any case.
            ok(1, "wkr-decentral-switch", "-port", port, "-port_o", "21326", "-remote", "none", "-num", "2");
            assertThat(ok(0, "wkr-decentral-status", "-port", port).out()).contains("\"number_client_per_server\":2");

            // get_shutdown_parser (idle, restart, terminate): -ip, -port/-port_in/-port_data, -timeout.
            assertThat(ok(0, "wkr-decentral-idle", "-ip", "127.0.0.1", "-port_data", port, "-timeout", "5000").out())
                    .contains("IDLE done:");
            assertThat(ok(0, "wkr-decentral-status", "-port", port).out()).contains("\"state\":\"IDLE\"");
            assertThat(ok(0, "wkr-decentral-restart", "-port_in", port).out()).contains("RESTART_CLIENT done:");
            assertThat(ok(0, "wkr-decentral-status", "-port", port).out()).contains("\"state\":\"RUNNING\"");
            assertThat(ok(0, "wkr-decentral-terminate", "-port_data", port, "-timeout", "5000").out())
                    .contains("TERMINATION done:");
            assertThat(central.waitFor(WAIT)).as("the central's exit:%n%s", central.output()).isZero();
        }
    }

    @Test
    void shouldMakeARunScriptFromTheOriginalDocsCommandLineWithOneNote() throws Exception {
        // The docs' wkr-decentral-make example (get-start "Generate production script"), its servers quoted as JSON,
        // with the other spellings of the ports.
        Result r = ok(1, "wkr-decentral-make", TestUnits.Idle.class.getName(), "-port_data", "21324", "-port_pull",
                "21326", "-http_port", "8900", "-num_client", "24", "-remote_servers", SERVERS, "-log_dir",
                dir.resolve("log_dir").toString(), "-name", "svc", "-ip", "127.0.0.1", "-timeout", "5000");
        assertThat(r.out()).contains("#!/bin/sh").contains("-port_pull");
    }
}

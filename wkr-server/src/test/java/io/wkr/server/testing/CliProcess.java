package io.wkr.server.testing;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CLI main class run in a child JVM on this test's class path, with stdout and stderr
 * collected. {@link #close()} kills it if it is still running.
 */
public final class CliProcess implements AutoCloseable {
    private static final Pattern HTTP_PORT = Pattern.compile("HTTP on port (\\d+)");
    private static final Pattern READY = Pattern.compile("wkr-serving-start ready: port_in (\\d+) port_out (\\d+)");

    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private CliProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> copy(process.getInputStream()), "test-cli-output");
        reader.setDaemon(true);
        reader.start();
    }

    /**
     * The JVM options {@code scripts/wkr-serving-start} passes by default (a test checks that they
     * agree), for tests that must see what a server started by the launcher does.
     */
    public static final List<String> LAUNCHER_JVM = List.of("-XX:+ExitOnOutOfMemoryError", "-Xmx192m");

    /** Starts {@code java -cp <test class path> mainClass args} in {@code dir}. */
    public static CliProcess start(Path dir, Class<?> mainClass, String... args) throws IOException {
        return start(dir, List.of(), mainClass, args);
    }

    /** Starts {@code java jvmOptions -cp <test class path> mainClass args} in {@code dir}. */
    public static CliProcess start(Path dir, List<String> jvmOptions, Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new CliProcess(new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start());
    }

    /** Starts {@code command} (a launcher script, say) in {@code dir}, its output read as the others'. */
    public static CliProcess startCommand(Path dir, List<String> command) throws IOException {
        return new CliProcess(new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start());
    }

    private void copy(InputStream in) {
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the process ended
        }
    }

    public String output() {
        return output.toString();
    }

    public Process process() {
        return process;
    }

    /** Waits for the ready line and returns {port_in, port_out}; fails if the process dies first. */
    public int[] awaitReady(Duration timeout) {
        Await.until(() -> READY.matcher(output()).find() || !process.isAlive(), timeout, "ready line");
        Matcher m = READY.matcher(output());
        if (!m.find()) throw new AssertionError("server did not become ready:\n" + output());
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** Waits for the process to end and returns its exit code; the output is complete then. */
    public int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + ":\n" + output());
        }
        reader.join(timeout.toMillis());
        return process.exitValue();
    }



    /** Waits for the ready line and returns the HTTP port the server logged; fails if it dies first or has none. */
    public int awaitHttpPort(Duration timeout) {
        awaitReady(timeout);
        Matcher m = HTTP_PORT.matcher(output());
        if (!m.find()) throw new AssertionError("the server serves no HTTP:\n" + output());
        return Integer.parseInt(m.group(1));
    }

    /** True while the process runs (and is not a zombie). */
    public boolean running() {
        return Processes.running(process.pid());
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}

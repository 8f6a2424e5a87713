package io.wkr.server.cli;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A CLI main class run in a child JVM on this test's class path, with stdout and stderr
 * collected. {@link #close()} kills it if it is still running.
 */
final class CliProcess implements AutoCloseable {
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

    /** Starts {@code java -cp <test class path> mainClass args} in {@code dir}. */
    static CliProcess start(Path dir, Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return new CliProcess(new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start());
    }

    private void copy(InputStream in) {
        byte[] buf = new byte[8192];
        try {
            for (int n; (n = in.read(buf)) > 0; ) output.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        } catch (IOException e) {
            // the process ended
        }
    }

    String output() {
        return output.toString();
    }

    Process process() {
        return process;
    }

    /** Waits for the ready line and returns {port_in, port_out}; fails if the process dies first. */
    int[] awaitReady(Duration timeout) {
        awaitUntil(() -> READY.matcher(output()).find() || !process.isAlive(), timeout, "ready line");
        Matcher m = READY.matcher(output());
        if (!m.find()) throw new AssertionError("server did not become ready:\n" + output());
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** Waits for the process to end and returns its exit code; the output is complete then. */
    int awaitExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + ":\n" + output());
        }
        reader.join(timeout.toMillis());
        return process.exitValue();
    }

    /** True while process {@code pid} runs; a zombie (exited, not yet reaped by its parent) is not running. */
    static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return false;
        try {
            String stat = java.nio.file.Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }

    static void awaitUntil(BooleanSupplier condition, Duration timeout, String what) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            try {
                Thread.sleep(20); // polling interval of a condition with a deadline, not synchronisation
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new AssertionError("interrupted waiting for " + what);
            }
        }
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

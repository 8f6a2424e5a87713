package io.wkr.decentral.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A command run for a test (a CLI main class in a child JVM on the test's class path, or a
 * script), its output collected. {@link #kill()} sends SIGKILL; {@link #close()} kills it if it
 * still runs.
 */
public final class ChildProcess implements AutoCloseable {
    private final Process process;
    private final StringBuffer output = new StringBuffer();
    private final Thread reader;

    private ChildProcess(Process process) {
        this.process = process;
        this.reader = new Thread(() -> copy(process.getInputStream()), "test-child-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** The class path of this test JVM (for child JVMs and {@code WKR_CLASSPATH}). */
    public static String testClassPath() {
        return System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    }

    /** {@code java -cp <test class path> mainClass args} in {@code dir}. */
    public static ChildProcess java(Path dir, Class<?> mainClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-cp");
        cmd.add(testClassPath());
        cmd.add(mainClass.getName());
        cmd.addAll(List.of(args));
        return start(dir, cmd, Map.of());
    }

    public static ChildProcess start(Path dir, List<String> command, Map<String, String> env) throws IOException {
        ProcessBuilder pb = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true)
                .redirectInput(new File("/dev/null"));
        pb.environment().putAll(env);
        return new ChildProcess(pb.start());
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

    /** Waits until the output matches {@code pattern}; fails if the process ends first or time runs out. */
    public Matcher await(Pattern pattern, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Matcher m = pattern.matcher(output());
            if (m.find()) return m;
            if (!process.isAlive()) throw new AssertionError("process ended (" + process.exitValue() + ") before "
                    + pattern + ":\n" + output());
            if (System.nanoTime() > deadline) throw new AssertionError("no " + pattern + " within " + timeout + ":\n" + output());
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // polling interval
        }
    }

    /** Waits for the process to end; its exit code. */
    public int waitFor(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process still running after " + timeout + ":\n" + output());
        }
        reader.join(5000); // the rest of its output
        return process.exitValue();
    }

    /** SIGKILL, and waits until it is gone. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor(20, TimeUnit.SECONDS);
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) kill();
    }
}

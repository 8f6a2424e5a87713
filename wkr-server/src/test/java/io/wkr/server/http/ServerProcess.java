package io.wkr.server.http;

import io.wkr.server.cli.ServingStart;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.Processes;
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
 * {@code wkr-serving-start} in a child JVM with the launcher's heap ({@code -Xmx192m}), HTTP on
 * an ephemeral port of 127.0.0.1, output collected. {@link #close()} kills it if it still runs.
 */
final class ServerProcess implements AutoCloseable {
    private static final Pattern HTTP_PORT = Pattern.compile("HTTP on port (\\d+)");
    private static final Pattern READY = Pattern.compile("wkr-serving-start ready: port_in \\d+");

    private final Process process;
    private final StringBuffer output = new StringBuffer();

    private ServerProcess(Process process) {
        this.process = process;
        Thread reader = new Thread(() -> copy(process.getInputStream()), "test-server-output");
        reader.setDaemon(true);
        reader.start();
    }

    /** Starts a server of {@code workerClass} with {@code -Xmx192m} and {@code args} added. */
    static ServerProcess start(Path dir, Class<?> workerClass, String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx192m", "-cp", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")),
                ServingStart.class.getName(), workerClass.getName(), "-ip", "127.0.0.1", "-port_in", "0", "-port_out", "0",
                "-http_port", "0", "-token_file", dir.resolve("admin.token").toString()));
        cmd.addAll(List.of(args));
        return new ServerProcess(new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start());
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

    boolean running() {
        return Processes.running(process.pid());
    }

    /** Waits until the server is ready and returns its HTTP port; fails if it dies first. */
    int awaitHttpPort(Duration timeout) {
        Await.until(() -> READY.matcher(output()).find() || !process.isAlive(), timeout, "ready line");
        Matcher m = HTTP_PORT.matcher(output());
        if (!READY.matcher(output()).find() || !m.find()) throw new AssertionError("server did not start:\n" + output());
        return Integer.parseInt(m.group(1));
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

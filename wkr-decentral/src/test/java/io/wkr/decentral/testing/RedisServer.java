package io.wkr.decentral.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} (Debian package) for tests: started on a free loopback port with
 * no persistence by default, checked with {@code PING} until it answers {@code PONG}, killed by
 * {@link #close()}. {@link #restart()} starts it again on the same port and directory (so an
 * append-only file, when enabled, is replayed). Optional TLS and a password.
 */
public final class RedisServer implements AutoCloseable {
    private static final Path BINARY = Path.of("/usr/bin/redis-server");
    private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

    private final Path dir;
    private final int port;
    private final List<String> extraArgs;
    private final String password;
    private final boolean tls;
    private Process process;

    private RedisServer(Path dir, int port, List<String> extraArgs, String password, boolean tls) {
        this.dir = dir;
        this.port = port;
        this.extraArgs = List.copyOf(extraArgs);
        this.password = password;
        this.tls = tls;
    }

    /** A throw-away server: no RDB snapshots, no append-only file. */
    public static RedisServer start(Path dir) throws IOException {
        return start(dir, List.of("--save", "", "--appendonly", "no"));
    }

    /**
     * A durable server: every write is fsynced to an append-only file in {@code dir} before it is
     * acknowledged, so a restart (even after SIGKILL) loses nothing that was acknowledged.
     */
    public static RedisServer startDurable(Path dir) throws IOException {
        return start(dir, List.of("--save", "", "--appendonly", "yes", "--appendfsync", "always"));
    }

    public static RedisServer start(Path dir, List<String> args) throws IOException {
        return start(dir, args, null);
    }

    /** As {@link #start(Path, List)}, with {@code requirepass} when {@code password} is not null. */
    public static RedisServer start(Path dir, List<String> args, String password) throws IOException {
        RedisServer server = new RedisServer(dir, freePort(), args, password, false);
        server.launch();
        return server;
    }

    /**
     * A TLS-only server ({@code port 0}, {@code tls-port}) with the given certificate and key
     * (PEM) and no client certificates required.
     */
    public static RedisServer startTls(Path dir, Path cert, Path key, String password) throws IOException {
        List<String> args = List.of("--save", "", "--appendonly", "no", "--tls-cert-file", cert.toString(),
                "--tls-key-file", key.toString(), "--tls-ca-cert-file", cert.toString(), "--tls-auth-clients", "no");
        RedisServer server = new RedisServer(dir, freePort(), args, password, true);
        server.launch();
        return server;
    }

    public int port() {
        return port;
    }

    public String host() {
        return "127.0.0.1";
    }

    private void launch() throws IOException {
        if (!Files.isExecutable(BINARY)) {
            throw new IllegalStateException(BINARY + " is missing: apt-get install redis-server");
        }
        Files.createDirectories(dir);
        List<String> cmd = new ArrayList<>(List.of(BINARY.toString(), "--bind", "127.0.0.1", "--dir", dir.toString(),
                "--daemonize", "no", "--logfile", "", "--protected-mode", "no"));
        if (tls) {
            cmd.addAll(List.of("--port", "0", "--tls-port", Integer.toString(port)));
        } else {
            cmd.addAll(List.of("--port", Integer.toString(port)));
        }
        cmd.addAll(extraArgs);
        if (password != null) cmd.addAll(List.of("--requirepass", password));
        process = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("redis-" + port + ".log").toFile())
                .redirectInput(new File("/dev/null")).start();
        awaitUp();
    }

    private void awaitUp() throws IOException {
        long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IllegalStateException("redis-server exited with " + process.exitValue() + ": "
                        + Files.readString(dir.resolve("redis-" + port + ".log")));
            }
            if (tls ? listening() : pong()) return;
            if (System.nanoTime() > deadline) throw new IllegalStateException("redis-server did not start on " + port);
            java.util.concurrent.locks.LockSupport.parkNanos(10_000_000); // polling interval
        }
    }

    /** True when the port accepts connections (TLS servers: a plain PING cannot be spoken). */
    private boolean listening() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    /** Sends a raw {@code PING} (with {@code AUTH} first when a password is set). */
    private boolean pong() {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress("127.0.0.1", port), 200);
            s.setSoTimeout(1000);
            OutputStream out = s.getOutputStream();
            InputStream in = s.getInputStream();
            String cmd = (password == null ? "" : "AUTH " + password + "\r\n") + "PING\r\n";
            out.write(cmd.getBytes(StandardCharsets.UTF_8));
            out.flush();
            StringBuilder reply = new StringBuilder();
            int c;
            while ((c = in.read()) >= 0) {
                reply.append((char) c);
                if (reply.indexOf("PONG") >= 0) return true;
                if (reply.indexOf("LOADING") >= 0 || reply.indexOf("-ERR") >= 0) return false;
            }
            return false;
        } catch (IOException e) {
            return false;
        }
    }

    /** Kills the server at once (SIGKILL), like a crash. */
    public void kill() throws InterruptedException {
        if (process == null) return;
        process.destroyForcibly();
        if (!process.waitFor(20, TimeUnit.SECONDS)) throw new IllegalStateException("redis-server did not die");
        process = null;
    }

    /** Starts the server again on the same port and directory (kills it first if running). */
    public void restart() throws IOException, InterruptedException {
        kill();
        launch();
    }

    public boolean running() {
        return process != null && process.isAlive();
    }

    @Override
    public void close() throws InterruptedException {
        kill();
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}

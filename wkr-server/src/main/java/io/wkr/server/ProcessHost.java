package io.wkr.server;

import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.KryoCodec;
import io.wkr.server.config.ServerConfig;
import java.io.EOFException;
import java.io.File;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.lang.management.ManagementFactory;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A model loaded and run in a child JVM ({@code -worker_mode process}): the same {@link
 * WKRHardWorker} class, made with its public no-argument constructor in the child ({@link
 * ChildWorker}) on the server's class path. Batches go to the child and results come back over a
 * Unix domain socket ({@link ChildChannel}: blocking reads and writes on the slot's own thread, no
 * I/O thread between), as Kryo (the worker's {@code objClasses} registered on both sides). The server watches the child: when it exits, is killed or (with {@code
 * -predict_timeout}) takes too long over a batch, {@link #predict} throws {@link Died} with the
 * reason, and the slot replaces the host. The child ends itself when its standard input closes,
 * which happens when the server's JVM ends in any way (a SIGKILL included), so it never outlives
 * the server.
 */
final class ProcessHost implements ModelHost {
    private static final Logger logger = LoggerFactory.getLogger(ProcessHost.class);
    private static final int POLL_MS = 20;
    /** Kills the processes of batches past {@code -predict_timeout}. */
    private static final ScheduledExecutorService WATCHDOG = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wkr-predict-watchdog");
        t.setDaemon(true);
        return t;
    });
    private static final Map<String, Object> KRYO_INFO = Map.of("codec", "kryo");

    /** The host can no longer run batches: its process died, was killed, or the model threw an Error. */
    static final class Died extends Error {
        Died(String reason) {
            super(reason);
        }
    }

    /** The model threw an exception on the batch; the child goes on. */
    static final class ModelFailed extends Exception {
        ModelFailed(String message) {
            super(message);
        }
    }

    private final WKRHardWorker<Object, Object, Object> local;
    private final KryoCodec codec;
    private final ChildChannel channel;
    private final Process process;
    private final int workerId;
    private final Duration predictTimeout;
    private final java.util.function.Consumer<Map<String, ? extends Number>> statistics;

    private volatile boolean timedOut;

    private ProcessHost(WKRHardWorker<Object, Object, Object> local, ChildChannel channel, Process process, int workerId,
            Duration predictTimeout, java.util.function.Consumer<Map<String, ? extends Number>> statistics) {
        this.local = local;
        this.codec = new KryoCodec(local.objClasses());
        this.channel = channel;
        this.process = process;
        this.workerId = workerId;
        this.predictTimeout = predictTimeout;
        this.statistics = statistics;
    }

    /**
     * Starts the child and waits until it has loaded its model.
     *
     * @param local an instance of the worker class in the server's JVM: its class names the child's
     *     worker, and it answers {@code inputType}, {@code checkInput} and {@code objClasses}
     * @throws IllegalStateException when the model does not load, the child exits first, or {@code
     *     -startup_timeout} passes
     */
    static ProcessHost start(WKRHardWorker<Object, Object, Object> local, WorkerContext context) throws Exception {
        ServerConfig config = context.config();
        local.attach(context); // its checkInput runs here, in the server's JVM
        Path dir = Files.createTempDirectory("wkr-worker-");
        Path socketPath = dir.resolve("w.sock");
        Process process = null;
        try (ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            server.bind(UnixDomainSocketAddress.of(socketPath));
            server.configureBlocking(false);
            List<String> command = command(local.getClass(), context, socketPath.toString());
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start(); // stdin stays a pipe: the child's tie to us
            // what the child sends is held until answered: no frame larger than the reply budget
            ChildChannel channel = new ChildChannel(accept(server, process, config.startupTimeout()),
                    (int) Math.min(Integer.MAX_VALUE, config.maxReplyBytes()));
            ProcessHost host = new ProcessHost(local, channel, process, context.workerId(), config.predictTimeout(),
                    context.statistics());
            host.awaitLoaded();
            logger.info("worker {} runs in process {}", context.workerId(), process.pid());
            return host;
        } catch (Exception | Error e) {
            if (process != null) process.destroyForcibly();
            throw e;
        } finally {
            Files.deleteIfExists(socketPath);
            Files.deleteIfExists(dir);
        }
    }

    /** The child's connection; fails when it exits first or {@code -startup_timeout} passes. */
    private static SocketChannel accept(ServerSocketChannel server, Process process, Duration timeout) throws IOException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            SocketChannel c = server.accept();
            if (c != null) {
                c.configureBlocking(true);
                return c;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("worker process " + exitReason(process.exitValue()) + " before its model loaded");
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("worker process did not start within " + timeout.toSeconds() + " s (-startup_timeout)");
            }
            try {
                Thread.sleep(POLL_MS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while a worker process started");
            }
        }
    }

    /** Waits for {@code ready}; the child loads its model first (bounded by the pool's start-up timeout). */
    private void awaitLoaded() throws IOException {
        ChildChannel.Frame f;
        try {
            f = next();
        } catch (EOFException e) {
            waitForExit(5);
            throw new IllegalStateException("worker process " + exitReason(process.exitValue()) + " before its model loaded");
        }
        if (f.kind() == ChildChannel.READY) return;
        waitForExit(5);
        if (f.kind() == ChildChannel.LOAD_FAILED) {
            throw new IllegalStateException("the worker process could not load the model: " + new String(f.body(), StandardCharsets.UTF_8));
        }
        throw new IllegalStateException("worker process sent '" + (char) f.kind() + "' before it was ready");
    }

    /** The child's command line: this JVM's binary and options, the server's class path, {@link ChildWorker}. */
    private static List<String> command(Class<?> workerClass, WorkerContext context, String endpoint) {
        ServerConfig c = context.config();
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
            // the child is a plain JVM like this one, without this one's debugger, agents or recordings
            if (arg.startsWith("-agentlib") || arg.startsWith("-javaagent") || arg.startsWith("-agentpath")
                    || arg.startsWith("-Xrunjdwp") || arg.startsWith("-XX:StartFlightRecording")
                    || arg.startsWith("-XX:+FlightRecorder") || arg.startsWith("-XX:FlightRecorderOptions")) {
                continue;
            }
            cmd.add(arg);
        }
        cmd.add("-cp");
        cmd.add(classPath(workerClass));
        cmd.add(ChildWorker.class.getName());
        cmd.addAll(List.of(endpoint, workerClass.getName(), Integer.toString(context.workerId()),
                Integer.toString(context.deviceId()), context.tmpDir().toString(), c.modelDir().toString(),
                c.modelName() == null ? "" : c.modelName(), c.tmpFolder(), c.protocol().wireName(),
                Integer.toString(c.batchSize()), Integer.toString(c.numWorker()), Double.toString(c.gpuMemoryFraction()),
                Boolean.toString(c.cpu())));
        return cmd;
    }

    /** This JVM's class path, and the worker class's own jar or folder when it came from elsewhere (-cp). */
    private static String classPath(Class<?> workerClass) {
        Set<String> entries = new LinkedHashSet<>(List.of(System.getProperty("java.class.path").split(File.pathSeparator)));
        for (ClassLoader l = workerClass.getClassLoader(); l != null; l = l.getParent()) {
            if (l instanceof java.net.URLClassLoader u) {
                for (java.net.URL url : u.getURLs()) {
                    try {
                        entries.add(Path.of(url.toURI()).toString());
                    } catch (URISyntaxException | IllegalArgumentException e) {
                        // not a file: the child cannot use it
                    }
                }
            }
        }
        var source = workerClass.getProtectionDomain().getCodeSource();
        if (source != null && source.getLocation() != null) {
            try {
                entries.add(Path.of(source.getLocation().toURI()).toString());
            } catch (URISyntaxException | IllegalArgumentException e) {
                // as above
            }
        }
        entries.remove("");
        return String.join(File.pathSeparator, entries);
    }

    /** The next frame that is not statistics; the statistics on the way are recorded as a thread-mode worker's are. */
    @SuppressWarnings("unchecked")
    private ChildChannel.Frame next() throws IOException {
        while (true) {
            ChildChannel.Frame f = channel.read();
            if (f.kind() != ChildChannel.STATISTICS) return f;
            try {
                for (Map<String, ? extends Number> m : (List<Map<String, ? extends Number>>) codec.decode(f.body(), KRYO_INFO,
                        DecodeBudget.UNLIMITED)) {
                    statistics.accept(m);
                }
            } catch (RuntimeException e) {
                logger.warn("worker {}: statistics from its process could not be read: {}", workerId, e.toString());
            }
        }
    }

    @Override
    public Class<?> inputType() {
        return local.inputType();
    }

    @Override
    public void checkInput(Object input) {
        local.checkInput(input);
    }

    @Override
    @SuppressWarnings("unchecked")
    public List<Object> predict(List<Object> inputs) throws Exception {
        byte[] payload;
        try {
            payload = codec.encode(new ArrayList<>(inputs), 0).payload();
        } catch (IllegalArgumentException e) {
            throw new ModelFailed("the batch cannot be sent to the worker process: " + e.getMessage());
        }
        ScheduledFuture<?> watchdog = predictTimeout.isZero() ? null : WATCHDOG.schedule(() -> {
            timedOut = true;
            process.destroyForcibly();
        }, predictTimeout.toNanos(), TimeUnit.NANOSECONDS);
        ChildChannel.Frame f;
        try {
            channel.send(ChildChannel.PREDICT, payload);
            f = next();
        } catch (IOException e) {
            waitForExit(5);
            if (timedOut) {
                throw new Died("worker process did not finish the batch within " + predictTimeout.toMillis()
                        + " ms (-predict_timeout) and was killed");
            }
            if (process.isAlive()) { // it sent what the server does not take: it is not trusted with another batch
                process.destroyForcibly();
                waitForExit(5);
                throw new Died("worker process broke its channel (" + e.getMessage() + ", -max_reply_bytes) and was killed");
            }
            throw new Died("worker process " + exitReason(process.exitValue()) + " while running the batch");
        } finally {
            if (watchdog != null) watchdog.cancel(false);
        }
        switch (f.kind()) {
            case ChildChannel.RESULT -> {
                return (List<Object>) codec.decode(f.body(), KRYO_INFO, DecodeBudget.UNLIMITED);
            }
            case ChildChannel.ERROR -> throw new ModelFailed(new String(f.body(), StandardCharsets.UTF_8));
            case ChildChannel.FATAL -> {
                waitForExit(5);
                throw new Died("the model threw " + new String(f.body(), StandardCharsets.UTF_8) + "; its worker process is replaced");
            }
            default -> throw new Died("worker process sent '" + (char) f.kind() + "' instead of a result");
        }
    }

    /** "exited with code 3", or "was killed by signal 9 (SIGKILL)" for a JVM exit value over 128. */
    static String exitReason(int exitValue) {
        if (exitValue > 128 && exitValue < 160) {
            int signal = exitValue - 128;
            String name = switch (signal) {
                case 9 -> " (SIGKILL)";
                case 15 -> " (SIGTERM)";
                case 6 -> " (SIGABRT)";
                case 11 -> " (SIGSEGV)";
                default -> "";
            };
            return "was killed by signal " + signal + name;
        }
        return "exited with code " + exitValue;
    }

    private void waitForExit(int seconds) {
        try {
            if (!process.waitFor(seconds, TimeUnit.SECONDS)) process.destroyForcibly().waitFor(seconds, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        try {
            if (process.isAlive()) {
                try {
                    channel.send(ChildChannel.STOP, new byte[0]);
                } catch (IOException e) {
                    // it is going anyway
                }
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    logger.warn("worker {}: process {} did not stop in 5 s; killed", workerId, process.pid());
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            channel.close();
        }
    }
}

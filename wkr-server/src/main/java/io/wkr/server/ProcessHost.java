package io.wkr.server;

import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.KryoCodec;
import io.wkr.server.config.ServerConfig;
import java.io.File;
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
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A model loaded and run in a child JVM ({@code -worker_mode process}): the same {@link
 * WKRHardWorker} class, made with its public no-argument constructor in the child ({@link
 * ChildWorker}) on the server's class path. Batches go to the child and results come back over a
 * ZeroMQ PAIR socket on loopback TCP, as Kryo (the worker's {@code objClasses} registered on both
 * sides). The server watches the child: when it exits, is killed or (with {@code
 * -predict_timeout}) takes too long over a batch, {@link #predict} throws {@link Died} with the
 * reason, and the slot replaces the host. The child ends itself when its standard input closes,
 * which happens when the server's JVM ends in any way (a SIGKILL included), so it never outlives
 * the server.
 */
final class ProcessHost implements ModelHost {
    private static final Logger logger = LoggerFactory.getLogger(ProcessHost.class);
    private static final int POLL_MS = 50;
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
    private final ZContext zmq;
    private final ZMQ.Socket socket;
    private final Process process;
    private final int workerId;
    private final Duration predictTimeout;

    private ProcessHost(WKRHardWorker<Object, Object, Object> local, ZContext zmq, ZMQ.Socket socket, Process process,
            int workerId, Duration predictTimeout) {
        this.local = local;
        this.codec = new KryoCodec(local.objClasses());
        this.zmq = zmq;
        this.socket = socket;
        this.process = process;
        this.workerId = workerId;
        this.predictTimeout = predictTimeout;
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
        ZContext zmq = new ZContext(1);
        Process process = null;
        try {
            ZMQ.Socket socket = zmq.createSocket(SocketType.PAIR);
            socket.setLinger(0);
            socket.setReceiveTimeOut(POLL_MS);
            int port = socket.bindToRandomPort("tcp://127.0.0.1");
            List<String> command = command(local.getClass(), context, "tcp://127.0.0.1:" + port);
            process = new ProcessBuilder(command).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start(); // stdin stays a pipe: the child's tie to us
            ProcessHost host = new ProcessHost(local, zmq, socket, process, context.workerId(), config.predictTimeout());
            host.awaitLoaded(config.startupTimeout());
            logger.info("worker {} runs in process {}", context.workerId(), process.pid());
            return host;
        } catch (Exception | Error e) {
            if (process != null) process.destroyForcibly();
            zmq.close();
            throw e;
        }
    }

    private void awaitLoaded(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            byte[] kind = socket.recv(0);
            if (kind != null) {
                String k = new String(kind, StandardCharsets.US_ASCII);
                byte[] body = socket.hasReceiveMore() ? socket.recv(0) : new byte[0];
                if (k.equals(ChildWorker.READY)) return;
                if (k.equals(ChildWorker.LOAD_FAILED)) {
                    waitForExit(2);
                    throw new IllegalStateException(new String(body, StandardCharsets.UTF_8));
                }
                throw new IllegalStateException("worker process sent '" + k + "' before it was ready");
            }
            if (!process.isAlive()) {
                throw new IllegalStateException("worker process " + exitReason(process.exitValue()) + " before its model loaded");
            }
            if (System.nanoTime() > deadline) {
                process.destroyForcibly();
                throw new IllegalStateException("worker process did not load its model within " + timeout.toSeconds()
                        + " s (-startup_timeout)");
            }
        }
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

    /** The child process (for its pid and for tests). */
    Process process() {
        return process;
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
        socket.sendMore(ChildWorker.PREDICT);
        socket.send(payload, 0);
        long start = System.nanoTime();
        long limit = predictTimeout.isZero() ? Long.MAX_VALUE : predictTimeout.toNanos();
        while (true) {
            byte[] kind = socket.recv(0);
            if (kind != null) {
                String k = new String(kind, StandardCharsets.US_ASCII);
                byte[] body = socket.hasReceiveMore() ? socket.recv(0) : new byte[0];
                switch (k) {
                    case ChildWorker.RESULT -> {
                        return (List<Object>) codec.decode(body, KRYO_INFO, DecodeBudget.UNLIMITED);
                    }
                    case ChildWorker.ERROR -> throw new ModelFailed(new String(body, StandardCharsets.UTF_8));
                    case ChildWorker.FATAL -> {
                        waitForExit(5);
                        throw new Died("the model threw " + new String(body, StandardCharsets.UTF_8)
                                + "; its worker process is replaced");
                    }
                    default -> throw new Died("worker process sent '" + k + "' instead of a result");
                }
            }
            if (!process.isAlive()) throw new Died("worker process " + exitReason(process.exitValue()) + " while running the batch");
            if (System.nanoTime() - start > limit) {
                process.destroyForcibly();
                waitForExit(5);
                throw new Died("worker process did not finish the batch within " + predictTimeout.toMillis()
                        + " ms (-predict_timeout) and was killed");
            }
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
                socket.send(ChildWorker.STOP.getBytes(StandardCharsets.US_ASCII), ZMQ.DONTWAIT);
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    logger.warn("worker {}: process {} did not stop in 5 s; killed", workerId, process.pid());
                    process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        } finally {
            zmq.close();
        }
    }
}

package io.wkr.server;

import io.wkr.server.config.ServerConfig;
import io.wkr.protocol.DecodeLimits;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.Wire;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.batching.JobQueue;
import io.wkr.server.internal.grpc.GrpcFrontend;
import io.wkr.server.internal.http.HttpFrontend;
import io.wkr.server.internal.oip.OipModel;
import io.wkr.protocol.AdminToken;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.sink.Sink;
import io.wkr.server.internal.sink.SinkCompletion;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.internal.stats.WorkerStats;
import io.wkr.server.internal.ventilator.Ventilator;
import io.wkr.server.status.ServerInfo;
import io.wkr.server.status.ServerSnapshot;
import io.wkr.server.status.WorkerState;
import io.wkr.server.status.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A wkr server: a ventilator that takes requests on {@code port_in}, a bounded queue, {@code
 * num_worker} workers that run dynamic batches through a {@link WKRHardWorker}, and a sink that
 * publishes replies on {@code port_out}.
 *
 * <pre>{@code
 * ServerConfig config = ServerConfig.builder().portIn(5555).portOut(5556).numWorker(2).batchSize(32).build();
 * try (WKRServer server = new WKRServer(config, MyWorker::new)) {
 *     server.start();              // returns when every worker has loaded its model
 *     server.awaitTermination();   // until TERMINATION (with the admin token) or close()
 * }
 * }</pre>
 *
 * <p>{@link #close()} drains: no new requests are taken, queued and running ones are finished
 * (up to {@code drainTimeout}), every reply is published, then the sockets close. Thread-safe.
 */
public final class WKRServer implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(WKRServer.class);
    private static final Duration CLOSE_LIMIT = Duration.ofSeconds(5);

    private final ServerConfig config;
    private final Supplier<? extends WKRHardWorker<?, ?, ?>> workerFactory;
    private final String workerClassName;
    private final WKRHardWorker<?, ?, ?> probe;
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final Object lifecycle = new Object();
    private final Settings settings;
    private ZContext context;
    private JobQueue queue;
    private MemoryBudget memory;
    private volatile String failure;
    private Sink sink;
    private Ventilator ventilator;
    private WorkerPool workers;
    /** Set once everything {@link #snapshot()} reads exists (volatile: it publishes those fields). */
    private volatile ServerStats stats;
    private AdminToken token;
    private Thread sinkThread;
    private Thread ventilatorThread;
    private Admission admission;
    private HttpFrontend http;
    private int httpPort = -1;
    private GrpcFrontend grpc;
    private int grpcPort = -1;
    private int portIn;
    private int portOut;
    private long startMillis;
    private volatile State state = State.NEW;

    /** Lifecycle of a server. */
    public enum State { NEW, STARTING, READY, DRAINING, STOPPED }

    /**
     * @param workerFactory makes one {@link WKRHardWorker} per worker (for instance {@code
     *     MyWorker::new}); called once here to learn the worker's class, input type and obj classes,
     *     then once per worker (and per replacement) on that worker's thread
     */
    public WKRServer(ServerConfig config, Supplier<? extends WKRHardWorker<?, ?, ?>> workerFactory) {
        this.config = Objects.requireNonNull(config, "config == null");
        this.workerFactory = Objects.requireNonNull(workerFactory, "workerFactory == null");
        this.probe = Objects.requireNonNull(workerFactory.get(), "workerFactory returned null");
        this.workerClassName = probe.getClass().getName();
        this.settings = Settings.of(config);
    }

    /**
     * Binds the sockets, loads every worker's model and starts serving.
     *
     * @throws IllegalStateException when a port cannot be bound or a worker cannot load its model;
     *     everything started so far is closed again
     */
    public void start() {
        // The lock is held for the whole start: a concurrent close() waits for it, then drains.
        synchronized (lifecycle) {
            if (state != State.NEW) throw new IllegalStateException("server already started");
            state = State.STARTING;
            try {
                doStart();
            } catch (RuntimeException e) {
                shutdown(Duration.ZERO);
                throw e;
            }
        }
    }

    private void doStart() {
        if (config.protocol() == Protocol.NUMPY && !probe.inputType().isAssignableFrom(Tensor.class)) {
            throw new IllegalStateException(workerClassName + " takes " + probe.inputType().getName()
                    + " inputs, but the numpy protocol delivers io.wkr.protocol.Tensor");
        }
        // obj reads Kryo and the Python client's pickles; a compressed pickle inflates to at most -max_request_bytes
        PayloadCodec codec = PayloadCodec.of(config.protocol(), probe.objClasses(), DecodeLimits.DEFAULT, config.maxRequestBytes());
        List<WorkerStats> ws = new ArrayList<>();
        for (int i = 0; i < config.maxWorkers(); i++) {
            WorkerStats w = new WorkerStats(i, config.deviceOf(i));
            if (i >= config.numWorker()) w.state(WorkerState.STOPPED); // an elastic pool's room to grow
            ws.add(w);
        }
        ServerStats stats = new ServerStats(config.batchSize(), ws);
        config.checkFitsHeap(Runtime.getRuntime().maxMemory());
        queue = new JobQueue(config.maxQueueSize());
        memory = new MemoryBudget("max_queue_bytes", config.maxQueueBytes());
        context = new ZContext(1);
        context.setLinger(0);
        // JeroMQ's I/O threads read every request: if one dies (out of memory, a bug) the port is deaf.
        context.setUncaughtExceptionHandler((t, e) -> {
            logger.error("ZeroMQ thread {} died", t.getName(), e);
            fail("ZeroMQ thread " + t.getName() + " died: " + e);
        });
        context.setNotificationExceptionHandler((t, e) -> {
            logger.error("ZeroMQ thread {} failed", t.getName(), e);
            fail("ZeroMQ thread " + t.getName() + " failed: " + e);
        });

        ZMQ.Socket frontend = context.createSocket(SocketType.PULL);
        frontend.setRcvHWM(1000);
        frontend.setLinger(0);
        // Frames up to twice the limits still reach the ventilator and get a clear BAD_REQUEST;
        // JeroMQ drops the connection of a peer that sends more (it allocates what the header claims).
        frontend.setMaxMsgSize(2L * Math.max(config.maxRequestBytes(), Ventilator.MAX_INFO_BYTES) + 65_536);
        portIn = bind(frontend, config.portIn(), "port_in");
        try {
            sink = Sink.bind(config.bindHost(), config.portOut(), stats,
                    config.maxQueueSize() + config.numWorker() * config.batchSize() + 4096, config.maxReplyBytes(),
                    config.slowSubscriberTimeout(), t -> failed("the sink", t));
        } catch (UncheckedIOException e) {
            throw new IllegalStateException("cannot bind port_out tcp://" + config.bindHost() + ":" + config.portOut()
                    + ": " + e.getCause().getMessage(), e);
        }
        portOut = sink.port();

        Path tmpDir = config.modelDir().resolve(config.tmpFolder());
        try {
            Files.createDirectories(tmpDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create tmp folder " + tmpDir, e);
        }
        sinkThread = new Thread(sink, "wkr-sink");
        sinkThread.setUncaughtExceptionHandler(this::stageDied);
        sinkThread.start();
        workers = new WorkerPool(config, workerFactory, queue, stats, codec, this::fail);
        logger.info("loading {} x {} (protocol {}, batch_size {}, batch_group_timeout {} ms)", config.numWorker(),
                workerClassName, config.protocol().wireName(), config.batchSize(), config.batchGroupTimeout().toMillis());
        workers.start(tmpDir);

        token = AdminToken.create(config.tokenFile() != null ? config.tokenFile() : AdminToken.defaultFile(portIn));
        admission = new Admission(queue, memory, stats, workers::alive);
        ventilator = new Ventilator(frontend, config, admission,
                new SinkCompletion(sink, codec), sink, stats,
                new Ventilator.Control(token, this::snapshot, this::terminateAsync, t -> failed("the ventilator", t)));
        ventilatorThread = new Thread(ventilator, "wkr-ventilator");
        ventilatorThread.setUncaughtExceptionHandler(this::stageDied);
        startMillis = System.currentTimeMillis();
        this.stats = stats; // from here on snapshot() works: every part it reads exists
        ventilatorThread.start();
        OipModel model = new OipModel(OipModel.name(config.modelName(), probe.getClass().getSimpleName()),
                config.protocol(), probe.inputType(), probe.signature());
        if (config.httpPort() != null) {
            http = new HttpFrontend(config, admission, stats, this::snapshot, this::ready, sink.replyBudget(),
                    model, probe.inputType());
            http.scaling(workers.scaling(), token);
            try {
                httpPort = http.start();
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot start HTTP on port " + config.httpPort() + ": " + e.getMessage(), e);
            }
        }
        if (config.grpcPort() != null) {
            grpc = new GrpcFrontend(config, admission, stats, this::snapshot, this::ready, model);
            try {
                grpcPort = grpc.start();
            } catch (RuntimeException e) {
                throw new IllegalStateException("cannot start gRPC on port " + config.grpcPort() + ": " + e.getMessage(), e);
            }
        }
        state = State.READY;
        logger.info("ready: port_in {} port_out {}, {} workers; admin token in {}", portIn, portOut,
                config.numWorker(), token.file());
    }

    private int bind(ZMQ.Socket socket, int port, String what) {
        String host = config.bindHost();
        try {
            if (port == 0) {
                return socket.bindToRandomPort("tcp://" + host, 1024, 65535);
            }
            socket.bind("tcp://" + host + ":" + port);
            return port;
        } catch (RuntimeException e) {
            socket.close();
            throw new IllegalStateException("cannot bind " + what + " tcp://" + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The bound request port (useful when configured as 0). */
    public int portIn() {
        return portIn;
    }

    /** The bound reply port (useful when configured as 0). */
    public int portOut() {
        return portOut;
    }

    /** The bound HTTP port, or -1 without {@code -http_port}. */
    public int httpPort() {
        return httpPort;
    }

    /** The bound gRPC port, or -1 without {@code -grpc_port}. */
    public int grpcPort() {
        return grpcPort;
    }

    public ServerConfig config() {
        return config;
    }

    public State state() {
        return state;
    }

    /** True while serving with every model loaded, false while starting or draining. */
    public boolean ready() {
        return state == State.READY && workers.ready();
    }

    /** The file holding the admin token a remote {@code TERMINATION} must carry. */
    public Path tokenFile() {
        return token.file();
    }

    /**
     * The server's state now: what it is, its configuration and its statistics, read once. The
     * {@code /status} JSON, the {@code SHOW_CONFIG} reply, the dashboard and {@code /metrics} are
     * all made from such a snapshot (docs/protocol.md §9 lists its keys).
     *
     * @throws IllegalStateException before {@link #start()}
     */
    public ServerSnapshot snapshot() {
        ServerStats s = stats;
        if (s == null) throw new IllegalStateException("the server has not been started");
        long now = System.currentTimeMillis();
        ServerInfo info = new ServerInfo(config.protocol(), Wire.COMPAT_SERVER_VERSION, Wire.WKR_VERSION,
                System.getProperty("java.version"), workerClassName, state.name(), ready(), portIn, portOut,
                httpPort < 0 ? null : httpPort, Runtime.getRuntime().maxMemory(), Instant.ofEpochMilli(startMillis),
                Instant.now(), (now - startMillis) / 1000.0);
        return s.snapshot(info, settings, queue.size(), queue.capacity(), memory, sink.replyBudget());
    }

    /** Last word of a stage thread (the stage has logged and reported why itself). */
    private void stageDied(Thread t, Throwable e) {
        fail(t.getName() + " died: " + e);
    }

    /** A stage is dying: remember why (the launcher exits non-zero) and drain. */
    private void failed(String stage, Throwable cause) {
        fail(stage + " failed: " + cause);
    }

    /** Stops the server by itself for {@code why}: the first reason is kept, the launcher exits non-zero. */
    void fail(String why) {
        synchronized (this) {
            if (failure == null) failure = why;
        }
        terminateAsync();
    }

    /**
     * Why the server stopped by itself, when an internal thread failed (the ventilator, the sink)
     * or no worker could serve any more; empty for a stop that was asked for.
     */
    public Optional<String> failure() {
        return Optional.ofNullable(failure);
    }

    private void terminateAsync() {
        Thread t = new Thread(this::close, "wkr-shutdown");
        t.setDaemon(false);
        t.start();
    }

    /** Blocks until the server has stopped. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Blocks until the server has stopped or the timeout passes; true if it stopped. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Drains and stops (see the class comment); waits at most {@code drainTimeout} for work. */
    @Override
    public void close() {
        shutdown(config.drainTimeout());
    }

    /** As {@link #close()}, waiting at most {@code drainTimeout} (instead of the configured one) for work. */
    public void close(Duration drainTimeout) {
        shutdown(drainTimeout);
    }

    private void shutdown(Duration drainTimeout) {
        synchronized (lifecycle) {
            if (state == State.DRAINING || state == State.STOPPED) {
                awaitQuietly();
                return;
            }
            boolean wasStarted = state != State.NEW;
            // Refuse new work before anyone can see DRAINING: a request that sees the state must
            // also see the refusal.
            if (admission != null) admission.startDraining();
            state = State.DRAINING;
            if (!wasStarted) {
                finish();
                return;
            }
        }
        logger.info("draining: {} queued", queue == null ? 0 : queue.size());
        if (workers != null) workers.drain(drainTimeout);
        if (ventilatorThread != null) {
            ventilator.stop();
            join(ventilatorThread);
        }
        if (sinkThread != null) {
            sink.stop();
            join(sinkThread);
        } else if (sink != null) {
            sink.closeUnstarted();
        }
        if (http != null) closeWithin("http", http::close, CLOSE_LIMIT);
        if (grpc != null) closeWithin("grpc", grpc::close, CLOSE_LIMIT);
        // Never wait forever on ZeroMQ: a context whose I/O thread died can hang in destroy.
        if (context != null) closeWithin("zeromq", context::close, CLOSE_LIMIT);
        if (token != null) token.delete();
        finish();
        logger.info("stopped");
    }

    private void finish() {
        state = State.STOPPED;
        terminated.countDown();
    }

    private void awaitQuietly() {
        try {
            terminated.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Runs {@code close} on its own thread and waits at most {@code limit} for it. */
    private static void closeWithin(String what, Runnable close, Duration limit) {
        Thread t = new Thread(() -> {
            try {
                close.run();
            } catch (RuntimeException e) {
                logger.warn("closing {} failed", what, e);
            }
        }, "wkr-close-" + what);
        t.setDaemon(true);
        t.start();
        try {
            t.join(limit.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) logger.warn("closing {} did not finish within {} s; going on without it", what, limit.toSeconds());
    }

    private static void join(Thread t) {
        try {
            t.join(10_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (t.isAlive()) logger.warn("{} did not stop within 10 s", t.getName());
    }
}

package io.wkr.server.cli;

import io.wkr.protocol.Wire;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRHardWorker;
import io.wkr.server.WKRServer;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wkr-serving-start <WorkerClass> [options]}: starts a server and blocks until it stops.
 *
 * <p>It stops, draining queued and running work first, on a remote {@code TERMINATION} carrying
 * the admin token ({@code wkr-serving-terminate}), on SIGTERM or on Ctrl-C. Exit codes: 0 after
 * a clean stop, 1 when the server cannot start (a model that fails to load, a port in use), 2
 * for usage errors (unknown option, bad value, a worker class that is missing or not a {@code
 * WKRHardWorker}).
 */
@Command(name = "wkr-serving-start", sortOptions = false, versionProvider = Cli.Version.class,
        usageHelpWidth = 110,
        description = "Serve a WKRHardWorker subclass: clients push requests to -port_in, replies come back on "
                + "-port_out. Stops (draining first) on TERMINATION with the admin token, SIGTERM or Ctrl-C.")
public final class ServingStart implements Callable<Integer> {
    private static final Logger logger = LoggerFactory.getLogger(ServingStart.class);

    @Parameters(index = "0", paramLabel = "WORKER_CLASS",
            description = "Fully qualified name of the worker class (extends io.wkr.server.WKRHardWorker, "
                    + "public no-argument constructor), found on -cp.")
    String workerClass;

    @Mixin ServerOptions options = new ServerOptions();

    @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

    @Spec CommandSpec spec;

    /** How long a server whose model called {@code System.exit} drains before the process ends. */
    private static final Duration USER_EXIT_DRAIN = Duration.ofSeconds(5);

    private final CountDownLatch mainDone = new CountDownLatch(1);
    private volatile boolean started;
    private Optional<Path> logFile = Optional.empty();

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command with {@code args} and returns its exit code (for tests: never exits). */
    public static int run(String... args) {
        return Cli.run(new ServingStart(), args);
    }

    /** As {@link #run(String...)}, with the command's own output going to {@code out} and {@code err}. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        return Cli.execute(new ServingStart(), out, err, args);
    }

    @Override
    public Integer call() throws InterruptedException {
        ServerConfig config = configOrUsageError();
        WorkerLoader.WorkerClass<WKRHardWorker<?, ?, ?>> worker;
        try {
            worker = WorkerLoader.load(workerClass, options.classpath());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        try {
            logFile = LogbackSetup.configure(options.logging(), LogbackSetup.Profile.SERVING);
        } catch (UncheckedIOException e) {
            spec.commandLine().getErr().println("wkr-serving-start: " + e.getMessage() + ": " + e.getCause());
            return Cli.FAILED;
        }
        logger.info("wkr-serving-start {}: worker {}, -cp {}, logs {}", Wire.WKR_VERSION,
                workerClass, options.classpath() == null ? "(none)" : options.classpath(),
                logFile.map(Path::toString).orElse("console"));
        logger.info("config: {}", config);
        for (String w : options.legacy().givenAndIgnored()) logger.warn("{}", w);
        Thread.currentThread().setContextClassLoader(worker.loader());
        exitOnOutOfMemory();
        return serve(config, worker);
    }

    private ServerConfig configOrUsageError() {
        try {
            return options.toConfig();
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "invalid option value: " + e.getMessage(), e);
        }
    }

    private int serve(ServerConfig config, WorkerLoader.WorkerClass<WKRHardWorker<?, ?, ?>> worker)
            throws InterruptedException {
        WKRServer server;
        Thread hook = null;
        try {
            server = new WKRServer(config, worker.factory());
            WKRServer s = server;
            hook = new Thread(() -> onSignal(s), "wkr-shutdown-hook");
            Runtime.getRuntime().addShutdownHook(hook);
            server.start();
        } catch (RuntimeException e) {
            if (hook != null) Cli.removeShutdownHook(hook);
            String message = "cannot start " + workerClass + ": " + Cli.describe(e);
            logger.debug("cannot start {}", workerClass, e);
            if (logFile.isPresent()) logger.error("{}", message); // for the .err file; stderr has it too
            spec.commandLine().getErr().println("wkr-serving-start: " + message);
            return Cli.FAILED;
        }
        started = true;
        logger.info("wkr-serving-start ready: port_in {} port_out {} (worker {}, num_worker {}, protocol {}, pid {})",
                server.portIn(), server.portOut(), workerClass, config.numWorker(), config.protocol().wireName(),
                ProcessHandle.current().pid());
        awaitStop(server);
        Optional<String> failure = server.failure();
        if (failure.isPresent()) {
            logger.error("wkr-serving-start stopped because {}; drained and closed port_in {} port_out {}",
                    failure.get(), server.portIn(), server.portOut());
        } else {
            logger.info("wkr-serving-start stopped: drained and closed port_in {} port_out {}", server.portIn(),
                    server.portOut());
        }
        mainDone.countDown();
        Cli.removeShutdownHook(hook);
        return failure.isPresent() ? Cli.FAILED : Cli.OK;
    }

    /**
     * Waits for the server to stop. Whatever started the stop (a remote {@code TERMINATION}, a
     * failed stage, no worker left), if it has not ended within {@link #stopLimit} the process ends
     * anyway, with status 1: no server stays up half-stopped.
     */
    private void awaitStop(WKRServer server) throws InterruptedException {
        long stoppingSince = 0;
        while (!server.awaitTermination(Duration.ofMillis(500))) {
            if (server.state() != WKRServer.State.DRAINING && server.failure().isEmpty()) continue;
            long now = System.nanoTime();
            if (stoppingSince == 0) stoppingSince = now;
            if (now - stoppingSince > stopLimit(server.config().drainTimeout()).toNanos()) {
                logger.error("wkr-serving-start: the server {} and did not stop within {} s; exiting",
                        server.failure().map(f -> "failed (" + f + ")").orElse("was asked to stop"),
                        stopLimit(server.config().drainTimeout()).toSeconds());
                Runtime.getRuntime().halt(Cli.FAILED);
            }
        }
    }

    /**
     * How long a stop may take before the process ends without it: the drain, plus the most the
     * closing steps may take (two 10 s joins, two 5 s closes), plus 10 s.
     */
    private static Duration stopLimit(Duration drain) {
        return drain.plusSeconds(40);
    }

    /**
     * Ends the process (status 3, as {@code -XX:+ExitOnOutOfMemoryError} does) when any thread dies
     * of an {@link OutOfMemoryError}: after one, no thread of the server can be trusted to make
     * progress, and a half-dead server that still answers {@code /health} is worse than a restart.
     * The launchers pass that JVM option too; this covers a plain {@code java -cp ...} start.
     */
    private static void exitOnOutOfMemory() {
        Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
        Thread.setDefaultUncaughtExceptionHandler((t, e) -> {
            if (e instanceof OutOfMemoryError) {
                System.err.println("wkr-serving-start: thread " + t.getName() + " ran out of memory (" + e.getMessage()
                        + "); exiting with status 3");
                Runtime.getRuntime().halt(3);
            }
            if (previous != null) previous.uncaughtException(t, e);
            else e.printStackTrace();
        });
    }

    /**
     * SIGTERM or Ctrl-C: drain, let {@link #serve} log that it stopped, then end with status 0
     * (the JVM would otherwise report 143) so supervisors see a clean stop. The JVM also runs this
     * hook when code calls {@code System.exit} (a model, say): that is no clean stop, so the server
     * drains briefly and the process ends with status 1, saying who called it. Either way the hook
     * ends the process within {@link #stopLimit}.
     */
    private void onSignal(WKRServer server) {
        Optional<String> exitCaller = ExitCaller.find();
        if (exitCaller.isPresent()) {
            logger.error("wkr-serving-start: System.exit was called by {}; the server stops with exit status 1",
                    exitCaller.get());
            if (started) stopWithin(server, USER_EXIT_DRAIN);
            Runtime.getRuntime().halt(Cli.FAILED);
        }
        if (!started) {
            logger.warn("signal during start-up: exiting without drain");
            return;
        }
        logger.info("wkr-serving-start: signal received, draining (up to {} s)",
                server.config().drainTimeout().toSeconds());
        if (!stopWithin(server, server.config().drainTimeout())) {
            logger.error("wkr-serving-start: the stop did not end within {} s; exiting",
                    stopLimit(server.config().drainTimeout()).toSeconds());
            Runtime.getRuntime().halt(Cli.FAILED);
        }
        try {
            mainDone.await(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(server.failure().isPresent() ? Cli.FAILED : Cli.OK);
    }

    /** Closes the server with this drain on another thread; false when it has not stopped within {@link #stopLimit}. */
    private static boolean stopWithin(WKRServer server, Duration drain) {
        Thread closer = new Thread(() -> server.close(drain), "wkr-signal-stop");
        closer.setDaemon(true);
        closer.start();
        try {
            return server.awaitTermination(stopLimit(drain));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}

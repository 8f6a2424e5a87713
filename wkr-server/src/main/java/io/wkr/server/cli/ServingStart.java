package io.wkr.server.cli;

import io.wkr.protocol.Wire;
import io.wkr.server.ServerConfig;
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
        server.awaitTermination();
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
     * SIGTERM or Ctrl-C: drain, let {@link #serve} log that it stopped, then end with status 0
     * (the JVM would otherwise report 143) so supervisors see a clean stop.
     */
    private void onSignal(WKRServer server) {
        if (!started) {
            logger.warn("signal during start-up: exiting without drain");
            return;
        }
        logger.info("wkr-serving-start: signal received, draining (up to {} s)",
                server.config().drainTimeout().toSeconds());
        server.close();
        try {
            mainDone.await(Duration.ofSeconds(5).toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(Cli.OK);
    }
}

package io.wkr.decentral.cli;

import io.wkr.decentral.DecentralConfig;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.WKRWorker;
import io.wkr.protocol.Wire;
import io.wkr.server.cli.Cli;
import io.wkr.server.cli.LogbackSetup;
import io.wkr.server.cli.WorkerLoader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.List;
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
 * {@code wkr-decentral-start <UnitClass> [options]}: runs a {@link WKRDecentralizeCentral} with
 * {@code -num_client} units of the class per remote server, and blocks until it stops: on {@code
 * TERMINATION} with the control token ({@code wkr-decentral-terminate}), SIGTERM or Ctrl-C, after
 * the units finished their current work. Exit codes: 0 after a clean stop, 1 when it cannot start
 * (a port in use), 2 for usage errors.
 */
@Command(name = "wkr-decentral-start", sortOptions = false, versionProvider = Cli.PlainVersion.class,
        usageHelpWidth = 110,
        description = "Run UNIT_CLASS units (num_client per remote server) that take work and send it to the servers. "
                + "The built-in io.wkr.decentral.redis.JobUnit takes jobs from a Redis stream (JobQueue).")
public final class DecentralStart implements Callable<Integer> {
    private static final Logger logger = LoggerFactory.getLogger(DecentralStart.class);
    /** The line logged once the central runs; {@code run_script.sh start} waits for it. */
    static final String READY = "wkr-decentral-start ready:";
    /** The unit class: a {@link WKRWorker} with a public no-argument constructor. */
    static final WorkerLoader.Kind<WKRWorker<?>> UNIT = new WorkerLoader.Kind<>(WKRWorker.class, "unit class",
            "a fully qualified class name; the built-in one is io.wkr.decentral.redis.JobUnit");
    /** How it logs: {@code -verbose} turns only wkr's loggers to DEBUG; Jedis and Jetty stay at WARN. */
    static final LogbackSetup.Profile LOGGING = new LogbackSetup.Profile("io.wkr.decentral.cli.", false,
            List.of("io.wkr", "wkr"), List.of("redis.clients", "org.eclipse.jetty", "io.javalin"));

    @Parameters(index = "0", paramLabel = "UNIT_CLASS",
            description = "Fully qualified name of the unit class (extends io.wkr.decentral.WKRWorker, public "
                    + "no-argument constructor), e.g. io.wkr.decentral.redis.JobUnit.")
    String unitClass;

    @Mixin DecentralOptions options = new DecentralOptions();

    @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

    @Spec CommandSpec spec;

    private final CountDownLatch mainDone = new CountDownLatch(1);
    private volatile boolean started;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command and returns its exit code (never exits). */
    public static int run(String... args) {
        return DecentralCli.run(new DecentralStart(), args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        return DecentralCli.execute(new DecentralStart(), out, err, args);
    }

    @Override
    public Integer call() throws InterruptedException {
        DecentralConfig config;
        WorkerLoader.WorkerClass<WKRWorker<?>> unit;
        try {
            config = options.toConfig();
            unit = WorkerLoader.load(UNIT, unitClass, options.classpath);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        Optional<Path> logFile;
        try {
            logFile = LogbackSetup.configure(options.logging, LOGGING);
        } catch (UncheckedIOException e) {
            spec.commandLine().getErr().println("wkr-decentral-start: " + e.getMessage() + ": " + e.getCause());
            return Cli.FAILED;
        }
        logger.info("wkr-decentral-start {}: unit {}, logs {}", Wire.WKR_VERSION, unitClass,
                logFile.map(Path::toString).orElse("console"));
        logger.info("config: {}", config);
        for (String w : options.ignored()) logger.warn("{}", w);
        Thread.currentThread().setContextClassLoader(unit.loader());
        return serve(config, unit);
    }

    private int serve(DecentralConfig config, WorkerLoader.WorkerClass<WKRWorker<?>> unit) throws InterruptedException {
        WKRDecentralizeCentral central = new WKRDecentralizeCentral(config, unit.factory());
        Thread hook = new Thread(() -> onSignal(central), "wkr-decentral-shutdown-hook");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
            central.start();
        } catch (RuntimeException e) {
            Cli.removeShutdownHook(hook);
            logger.error("cannot start: {}", e.getMessage());
            spec.commandLine().getErr().println("wkr-decentral-start: cannot start: " + e.getMessage());
            return Cli.FAILED;
        }
        started = true;
        logger.info("{} port {} http_port {} units {} servers {} (unit {}, pid {})", READY,
                config.controlPort() == null ? "-" : central.controlPort(),
                config.httpPort() == null ? "-" : central.httpPort(),
                config.numClient() * config.remoteServers().size(), config.remoteServers().size(), unitClass,
                ProcessHandle.current().pid());
        central.awaitTermination();
        logger.info("wkr-decentral-start stopped");
        mainDone.countDown();
        Cli.removeShutdownHook(hook);
        return Cli.OK;
    }

    /** SIGTERM or Ctrl-C: stop the units (they finish their work), then exit 0. */
    private void onSignal(WKRDecentralizeCentral central) {
        if (!started) return;
        logger.info("wkr-decentral-start: signal received, stopping the units (up to {} s)",
                central.config().stopTimeout().toSeconds());
        central.close();
        try {
            mainDone.await(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(Cli.OK);
    }
}

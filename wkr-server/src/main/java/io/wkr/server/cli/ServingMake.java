package io.wkr.server.cli;

import io.wkr.server.config.ServerConfig;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.function.BiFunction;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wkr-serving-make <WorkerClass> [options] -name NAME > run_script.sh}: prints a service
 * script ({@link RunScript}) that starts {@code wkr-serving-start} with the same arguments in the
 * background and stops, kills, restarts and checks it. The options are checked here (same
 * {@link ServerOptions}, and the worker class must load), so a bad command line fails now, not
 * at {@code start}. Exit codes: 0, or 2 for usage errors. {@link #printRunScript} does the part
 * shared with {@code wkr-decentral-make}.
 */
@Command(name = "wkr-serving-make", sortOptions = false, versionProvider = Cli.Version.class, usageHelpWidth = 110,
        description = "Print a run_script.sh (start|stop|stopf|restart|status) that runs wkr-serving-start with "
                + "these arguments, in the current directory. Usage: wkr-serving-make WORKER_CLASS [options] "
                + "-name NAME > run_script.sh")
public final class ServingMake implements Callable<Integer> {
    /** System property the launchers set to the wkr checkout, to find {@code scripts/<command>}. */
    public static final String HOME_PROPERTY = "wkr.home";

    @Parameters(index = "0", paramLabel = "WORKER_CLASS", description = "As for wkr-serving-start.")
    String workerClass;

    @Option(names = {"-name", "--name"}, required = true, paramLabel = "NAME",
            description = "Service name: names the pid file NAME.pid next to the script.")
    String name;

    @Mixin ServerOptions options = new ServerOptions();

    @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command with {@code args} and returns its exit code (never exits). */
    public static int run(String... args) {
        return Cli.run(new ServingMake(), args);
    }

    /** As {@link #run(String...)}, printing the script to {@code out}. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        return Cli.execute(new ServingMake(), out, err, args);
    }

    @Override
    public Integer call() {
        ServerConfig config;
        try {
            config = options.toConfig();
            WorkerLoader.load(workerClass, options.classpath());
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        return printRunScript(spec.commandLine(), "wkr-serving-start", (launcher, args) -> new RunScript(
                Path.of("").toAbsolutePath().toString(), name, launcher, args,
                config.startupTimeout().toSeconds() + 30, config.drainTimeout().toSeconds() + 15));
    }

    /**
     * The part of a make command ({@code wkr-serving-make}, {@code wkr-decentral-make}) after its
     * options were checked: prints to {@code make}'s output the {@link RunScript} that {@code
     * script} builds from the launcher of {@code startCommand} ({@code scripts/<startCommand>} under
     * {@code -D}{@value #HOME_PROPERTY}, else the bare name, found on PATH, with a warning) and the
     * make command's arguments less {@code -name}.
     *
     * @return {@link Cli#OK}
     * @throws ParameterException when {@code script} refuses the arguments ({@code
     *     IllegalArgumentException}): a usage error
     */
    public static int printRunScript(CommandLine make, String startCommand,
            BiFunction<String, List<String>, RunScript> script) {
        List<String> args = withoutName(make.getParseResult().originalArgs());
        RunScript s;
        try {
            s = script.apply(launcher(make, startCommand), args);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(make, e.getMessage(), e);
        }
        PrintWriter out = make.getOut();
        out.print(s.render());
        out.flush();
        return Cli.OK;
    }

    /** The absolute path of {@code scripts/<startCommand>}, or the bare name (found on PATH). */
    private static String launcher(CommandLine make, String startCommand) {
        String home = System.getProperty(HOME_PROPERTY);
        PrintWriter err = make.getErr();
        String maker = make.getCommandName();
        if (home == null || home.isBlank()) {
            err.println(maker + ": warning: -D" + HOME_PROPERTY + " is not set (run me through "
                    + "scripts/" + maker + "); the script calls " + startCommand + " from PATH");
            return startCommand;
        }
        Path start = Path.of(home, "scripts", startCommand).toAbsolutePath().normalize();
        if (!Files.isExecutable(start)) {
            err.println(maker + ": warning: " + start + " is missing or not executable");
        }
        return start.toString();
    }

    /** {@code args} without {@code -name X} / {@code -name=X} (also {@code --name}). */
    public static List<String> withoutName(List<String> args) {
        List<String> out = new ArrayList<>(args.size());
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--")) {
                out.addAll(args.subList(i, args.size()));
                break;
            }
            if (a.equals("-name") || a.equals("--name")) {
                i++;
            } else if (!a.startsWith("-name=") && !a.startsWith("--name=")) {
                out.add(a);
            }
        }
        return out;
    }
}

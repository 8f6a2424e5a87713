package io.wkr.decentral.cli;

import io.wkr.decentral.DecentralConfig;
import io.wkr.server.cli.Cli;
import io.wkr.server.cli.RunScript;
import io.wkr.server.cli.ServingMake;
import io.wkr.server.cli.WorkerLoader;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code wkr-decentral-make <UnitClass> [options] -name NAME > run_script.sh}: prints a service
 * script (start, stop, stopf, restart, status) that runs {@code wkr-decentral-start} with the same
 * arguments in the background. The options and the unit class are checked now, so a bad command
 * line fails here rather than at {@code start}. Exit codes: 0, or 2 for usage errors. The script is
 * printed by {@link ServingMake#printRunScript}, as for {@code wkr-serving-make}.
 */
@Command(name = "wkr-decentral-make", sortOptions = false, versionProvider = Cli.PlainVersion.class,
        usageHelpWidth = 110,
        description = "Print a run_script.sh (start|stop|stopf|restart|status) that runs wkr-decentral-start with "
                + "these arguments. Usage: wkr-decentral-make UNIT_CLASS [options] -name NAME > run_script.sh")
public final class DecentralMake implements Callable<Integer> {
    static final RunScript.Service SERVICE = new RunScript.Service("wkr-decentral-start", "DecentralStart",
            "wkr-decentral-make", "the units finish and store their in-flight jobs, then the central exits",
            "the central is ready once its ports are bound", "-stop_timeout + 15");

    @Parameters(index = "0", paramLabel = "UNIT_CLASS", description = "As for wkr-decentral-start.")
    String unitClass;

    @Option(names = {"-name", "--name"}, required = true, paramLabel = "NAME",
            description = "Service name: names the pid file NAME.pid next to the script.")
    String name;

    @Mixin DecentralOptions options = new DecentralOptions();

    @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return DecentralCli.run(new DecentralMake(), args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        return DecentralCli.execute(new DecentralMake(), out, err, args);
    }

    @Override
    public Integer call() {
        for (String a : spec.commandLine().getParseResult().originalArgs()) {
            if (a.equals("--")) break;
            String name = a.split("=", 2)[0];
            if (name.length() > 2 && !name.equals("-name") && !name.equals("--name")
                    && ("-name".startsWith(name) || "--name".startsWith(name))) {
                // The script drops -name and passes the rest to wkr-decentral-start, which has no -name.
                throw new ParameterException(spec.commandLine(), "write -name in full (not " + name + ")");
            }
        }
        DecentralConfig config;
        try {
            config = options.toConfig();
            WorkerLoader.load(DecentralStart.UNIT, unitClass, options.classpath);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        // stdout is the script; the note goes to stderr (start logs it again when the script runs it).
        for (String note : options.ignored()) spec.commandLine().getErr().println("wkr-decentral-make: " + note);
        spec.commandLine().getErr().flush();
        return ServingMake.printRunScript(spec.commandLine(), "wkr-decentral-start", (launcher, args) -> new RunScript(
                Path.of("").toAbsolutePath().toString(), name, launcher, args, 60,
                config.stopTimeout().toSeconds() + 15, SERVICE));
    }
}

package io.wkr.decentral.cli;

import io.wkr.decentral.DecentralConfig;
import io.wkr.server.cli.RunScript;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
 * line fails here rather than at {@code start}. Exit codes: 0, or 2 for usage errors.
 */
@Command(name = "wkr-decentral-make", sortOptions = false, versionProvider = Cli.Version.class, usageHelpWidth = 110,
        description = "Print a run_script.sh (start|stop|stopf|restart|status) that runs wkr-decentral-start with "
                + "these arguments. Usage: wkr-decentral-make UNIT_CLASS [options] -name NAME > run_script.sh")
public final class DecentralMake implements Callable<Integer> {
    /** System property the launcher sets to the wkr checkout, to find {@code scripts/wkr-decentral-start}. */
    static final String HOME_PROPERTY = "wkr.home";
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
        return Cli.run(new DecentralMake(), args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        return Cli.execute(new DecentralMake(), out, err, args);
    }

    @Override
    public Integer call() {
        DecentralConfig config;
        RunScript script;
        try {
            config = options.toConfig();
            UnitLoader.load(unitClass, options.classpath);
            List<String> args = withoutName(spec.commandLine().getParseResult().originalArgs());
            script = new RunScript(Path.of("").toAbsolutePath().toString(), name, launcher(), args, 60,
                    config.stopTimeout().toSeconds() + 15, SERVICE);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        PrintWriter out = spec.commandLine().getOut();
        out.print(script.render());
        out.flush();
        return Cli.OK;
    }

    private String launcher() {
        String home = System.getProperty(HOME_PROPERTY);
        PrintWriter err = spec.commandLine().getErr();
        if (home == null || home.isBlank()) {
            err.println("wkr-decentral-make: warning: -D" + HOME_PROPERTY + " is not set (run me through "
                    + "scripts/wkr-decentral-make); the script calls wkr-decentral-start from PATH");
            return "wkr-decentral-start";
        }
        Path start = Path.of(home, "scripts", "wkr-decentral-start").toAbsolutePath().normalize();
        if (!Files.isExecutable(start)) err.println("wkr-decentral-make: warning: " + start + " is missing or not executable");
        return start.toString();
    }

    /** {@code args} without {@code -name X} / {@code -name=X} (also {@code --name}). */
    static List<String> withoutName(List<String> args) {
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

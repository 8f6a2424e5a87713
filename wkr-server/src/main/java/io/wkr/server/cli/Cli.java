package io.wkr.server.cli;

import io.wkr.protocol.Wire;
import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * Picocli set-up shared by the wkr commands, the {@code wkr-serving-*} ones here and the {@code
 * wkr-decentral-*} ones in wkr-decentral: exit codes, how usage errors and failures are printed,
 * the help and version options.
 */
public final class Cli {
    /** Exit code of a clean run. */
    public static final int OK = 0;
    /**
     * Exit code when the command ran but failed (a model that cannot load, no server found, a port
     * that cannot be bound, no answer, refused).
     */
    public static final int FAILED = 1;
    /**
     * Exit code of a usage error: an unknown option, a bad value, a worker or unit class that won't
     * do.
     */
    public static final int USAGE = 2;

    private Cli() {}

    /** Runs {@code command} on the process's stdout and stderr and returns its exit code (never exits). */
    public static int run(Object command, String... args) {
        java.nio.charset.Charset cs = java.nio.charset.Charset.defaultCharset();
        return execute(command, new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs), args);
    }

    /** Parses {@code args} into {@code command}, runs it and returns its exit code. */
    public static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
        return commandLine(command).setOut(out).setErr(err).execute(args);
    }

    /** The configured parser for {@code command}; {@code parseArgs} on it parses without running. */
    public static CommandLine commandLine(Object command) {
        return new CommandLine(command)
                .setPosixClusteredShortOptionsAllowed(false)
                .setParameterExceptionHandler(Cli::usageError)
                .setExecutionExceptionHandler((e, line, parsed) -> failure(e, line));
    }

    private static int usageError(ParameterException e, String[] args) {
        CommandLine cl = e.getCommandLine();
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandName() + ": " + e.getMessage());
        UnmatchedArgumentException.printSuggestions(e, err);
        err.println("Try '" + cl.getCommandName() + " -help' for the options.");
        err.flush();
        return USAGE;
    }

    private static int failure(Exception e, CommandLine cl) {
        PrintWriter err = cl.getErr();
        err.println(cl.getCommandName() + ": unexpected error: " + e);
        e.printStackTrace(err);
        err.flush();
        return FAILED;
    }

    /** One line per cause, for error messages a person reads. */
    public static String describe(Throwable e) {
        StringBuilder b = new StringBuilder(String.valueOf(e.getMessage()));
        for (Throwable c = e.getCause(); c != null && c != c.getCause(); c = c.getCause()) {
            String m = c.getMessage();
            if (m != null && !b.toString().contains(m)) b.append("\n  caused by ").append(c);
        }
        return b.toString();
    }

    /**
     * Removes a shutdown hook a command added; when the JVM is already stopping (SIGTERM) the hook
     * runs and ends it, and nothing is done.
     */
    public static void removeShutdownHook(Thread hook) {
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
            // the JVM is already stopping: the hook ends it
        }
    }

    /** {@code -version} text of the {@code wkr-serving-*} commands. */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"${COMMAND-NAME} " + Wire.WKR_VERSION + " (wire-compatible with wkr-serving "
                    + Wire.COMPAT_SERVER_VERSION + ")"};
        }
    }

    /** {@code -version} text of commands that speak no wkr-serving wire of their own ({@code wkr-decentral-*}). */
    public static final class PlainVersion implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"${COMMAND-NAME} " + Wire.WKR_VERSION};
        }
    }

    /** {@code -help} and {@code -version}, in the original's single-dash spelling and GNU style. */
    public static final class HelpOptions {
        @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Option(names = {"-version", "--version", "-V"}, versionHelp = true, description = "Print the version and exit.")
        boolean version;
    }
}

package io.wkr.decentral.cli;

import io.wkr.protocol.Wire;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/** Picocli set-up shared by the decentral commands: exit codes, error printing, help and version. */
final class Cli {
    /** Exit code of a clean run. */
    static final int OK = 0;
    /** The command ran but failed (cannot bind, no answer, refused). */
    static final int FAILED = 1;
    /** A usage error: unknown option, bad value, a unit class that won't do. */
    static final int USAGE = 2;

    private Cli() {}

    /** Runs {@code command} on stdout/stderr; returns its exit code (never exits). */
    static int run(Object command, String... args) {
        Charset cs = Charset.defaultCharset();
        return execute(command, new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs), args);
    }

    static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
        return commandLine(command).setOut(out).setErr(err).execute(args);
    }

    static CommandLine commandLine(Object command) {
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

    /** {@code -version} text. */
    static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            return new String[] {"${COMMAND-NAME} " + Wire.WKR_VERSION};
        }
    }

    /** {@code -help} and {@code -version}, single-dash like the original, and GNU style. */
    static final class HelpOptions {
        @Option(names = {"-h", "-help", "--help"}, usageHelp = true, description = "Show this help and exit.")
        boolean help;

        @Option(names = {"-version", "--version", "-V"}, versionHelp = true, description = "Print the version and exit.")
        boolean version;
    }
}

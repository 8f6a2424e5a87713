package io.wkr.decentral.cli;

import io.wkr.server.cli.Cli;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import picocli.CommandLine;

/**
 * The decentral launchers' picocli set-up: wkr's ({@link Cli#commandLine}: exit codes, usage
 * errors, no clustered short options) plus unique-prefix abbreviations of option names, which the
 * original's argparse parsers accepted ({@code -num 8} for {@code -num_client 8}, {@code -port_o}
 * for {@code -port_out}); an exact name always wins, a prefix that fits two options is a usage
 * error naming both.
 */
final class DecentralCli {
    private DecentralCli() {}

    /** The configured parser for {@code command}; {@code parseArgs} on it parses without running. */
    static CommandLine commandLine(Object command) {
        return Cli.commandLine(command).setAbbreviatedOptionsAllowed(true);
    }

    /** Runs {@code command} on the process's stdout and stderr and returns its exit code (never exits). */
    static int run(Object command, String... args) {
        Charset cs = Charset.defaultCharset();
        return execute(command, new PrintWriter(System.out, true, cs), new PrintWriter(System.err, true, cs), args);
    }

    /** Parses {@code args} into {@code command}, runs it and returns its exit code. */
    static int execute(Object command, PrintWriter out, PrintWriter err, String... args) {
        return commandLine(command).setOut(out).setErr(err).execute(args);
    }
}

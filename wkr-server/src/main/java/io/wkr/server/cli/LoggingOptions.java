package io.wkr.server.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Where and how much {@code wkr-serving-start} logs; applied by {@link LogbackSetup}. */
public final class LoggingOptions {

    @Option(names = {"-log_dir", "--log-dir"}, paramLabel = "DIR",
            description = "Write DIR/<log_name>.log (everything) and DIR/<log_name>.err (errors only) instead of "
                    + "logging everything to the console; the console then shows only start-up, ready, stop and "
                    + "warnings.")
    Path logDir;

    @Option(names = {"-log_name", "--log-name"}, paramLabel = "NAME", defaultValue = "WKRServer",
            description = "Base name of the log files in -log_dir. Default: ${DEFAULT-VALUE}.")
    String logName;

    @Option(names = {"-verbose", "--verbose"}, description = "Log at DEBUG (per batch) with source locations.")
    boolean verbose;

    /** The log directory, or {@code null} for console only. */
    public Path logDir() {
        return logDir;
    }

    public String logName() {
        return logName;
    }

    public boolean verbose() {
        return verbose;
    }
}

package io.wkr.server.cli;

import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * Where and how much a command logs ({@code -log_dir}, {@code -log_name}, {@code -verbose});
 * applied by {@link LogbackSetup}. Shared by {@code wkr-serving-start} and {@code
 * wkr-decentral-start}, which differ in the default {@code -log_name}.
 */
public final class LoggingOptions {
    /** The default {@code -log_name} of {@code wkr-serving-start}. */
    public static final String SERVING_LOG_NAME = "WKRServer";

    @Option(names = {"-log_dir", "--log-dir"}, paramLabel = "DIR",
            description = "Write DIR/<log_name>.log (everything) and DIR/<log_name>.err (errors only) instead of "
                    + "logging everything to the console; the console then shows only start-up, ready, stop and "
                    + "warnings.")
    Path logDir;

    // no defaultValue: the field's initial value, set by the constructor, is the default
    @Option(names = {"-log_name", "--log-name"}, paramLabel = "NAME",
            description = "Base name of the log files in -log_dir. Default: ${DEFAULT-VALUE}.")
    String logName;

    @Option(names = {"-verbose", "--verbose"},
            description = "Log at DEBUG (wkr-serving-start: per batch, with source locations).")
    boolean verbose;

    /** The options of {@code wkr-serving-start}: {@code -log_name} defaults to {@value #SERVING_LOG_NAME}. */
    public LoggingOptions() {
        this(SERVING_LOG_NAME);
    }

    /** Options whose {@code -log_name} defaults to {@code defaultLogName}. */
    public LoggingOptions(String defaultLogName) {
        this.logName = defaultLogName;
    }

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

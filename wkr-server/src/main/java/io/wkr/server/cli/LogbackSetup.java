package io.wkr.server.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.spi.FilterReply;
import ch.qos.logback.core.util.FileSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Configures Logback from {@link LoggingOptions}, so no {@code logback.xml} is needed at run time;
 * shared by {@code wkr-serving-start} ({@link Profile#SERVING}) and {@code wkr-decentral-start}
 * (its own {@link Profile}). Without {@code -log_dir} everything goes to the console; with it,
 * {@code <dir>/<name>.log} gets everything, {@code <dir>/<name>.err} only errors, and the console
 * keeps the CLI's lifecycle lines and warnings. A {@code -Dlogback.configurationFile} given by the
 * user wins: then nothing is changed.
 */
public final class LogbackSetup {
    private static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{30}: %msg%n";
    private static final String VERBOSE_PATTERN =
            "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{30} [%file:%method:%line]: %msg%n";
    private static final FileSize ROLL_SIZE = FileSize.valueOf("100MB");
    private static final int ROLL_FILES = 10;

    /**
     * How one command logs, beyond its {@link LoggingOptions}.
     *
     * @param consoleLoggers prefix of the command's own loggers (e.g. {@code "io.wkr.server.cli."}),
     *     whose INFO lines stay on the console when logging to files
     * @param sourceLocationsWhenVerbose whether {@code -verbose} adds file, method and line to each line
     * @param verboseLoggers the loggers {@code -verbose} turns to DEBUG (the rest stay at INFO); empty
     *     for all of them (the root)
     * @param quietLoggers loggers kept at WARN (chatty libraries)
     */
    public record Profile(String consoleLoggers, boolean sourceLocationsWhenVerbose, List<String> verboseLoggers,
            List<String> quietLoggers) {
        /** {@code wkr-serving-start}: {@code -verbose} is DEBUG everywhere, with source locations. */
        public static final Profile SERVING = new Profile("io.wkr.server.cli.", true, List.of(), List.of());

        public Profile {
            Objects.requireNonNull(consoleLoggers, "consoleLoggers == null");
            verboseLoggers = List.copyOf(verboseLoggers);
            quietLoggers = List.copyOf(quietLoggers);
        }
    }

    private LogbackSetup() {}

    /**
     * Applies {@code options} the way {@code profile} says; returns the main log file when logging
     * to files.
     *
     * @throws UncheckedIOException when the log directory cannot be created
     */
    public static Optional<Path> configure(LoggingOptions options, Profile profile) {
        Path dir = options.logDir();
        if (dir != null) {
            try {
                Files.createDirectories(dir);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot create the log directory " + dir, e);
            }
        }
        if (System.getProperty("logback.configurationFile") != null
                || !(LoggerFactory.getILoggerFactory() instanceof LoggerContext ctx)) {
            return Optional.empty();
        }
        ctx.reset();
        String pattern = options.verbose() && profile.sourceLocationsWhenVerbose() ? VERBOSE_PATTERN : PATTERN;
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Level level = options.verbose() ? Level.DEBUG : Level.INFO;
        if (profile.verboseLoggers().isEmpty()) {
            root.setLevel(level);
        } else {
            root.setLevel(Level.INFO);
            for (String name : profile.verboseLoggers()) ctx.getLogger(name).setLevel(level);
        }
        for (String name : profile.quietLoggers()) ctx.getLogger(name).setLevel(Level.WARN);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        console.setName("console");
        if (dir == null) {
            root.addAppender(start(ctx, console, pattern, null));
            return Optional.empty();
        }
        root.addAppender(start(ctx, console, pattern, lifecycleAndWarnings(profile.consoleLoggers())));
        Path log = dir.resolve(options.logName() + ".log");
        root.addAppender(start(ctx, rolling(ctx, log), pattern, null));
        ThresholdFilter errorsOnly = new ThresholdFilter();
        errorsOnly.setLevel(Level.ERROR.levelStr);
        errorsOnly.start();
        root.addAppender(start(ctx, rolling(ctx, dir.resolve(options.logName() + ".err")), pattern, errorsOnly));
        return Optional.of(log);
    }

    private static <A extends Appender<ILoggingEvent>> A start(
            LoggerContext ctx, A appender, String pattern, Filter<ILoggingEvent> filter) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(pattern);
        encoder.start();
        appender.setContext(ctx);
        if (appender instanceof ConsoleAppender<ILoggingEvent> c) c.setEncoder(encoder);
        if (appender instanceof RollingFileAppender<ILoggingEvent> r) r.setEncoder(encoder);
        if (filter != null) appender.addFilter(filter);
        appender.start();
        return appender;
    }

    /** A file appender that rolls at 100 MB and keeps 10 old files ({@code name.1.log} ...). */
    private static RollingFileAppender<ILoggingEvent> rolling(LoggerContext ctx, Path file) {
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(ctx);
        appender.setName(file.getFileName().toString());
        appender.setFile(file.toString());
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        FixedWindowRollingPolicy roll = new FixedWindowRollingPolicy();
        roll.setContext(ctx);
        roll.setParent(appender);
        roll.setFileNamePattern(file.resolveSibling(name.substring(0, dot) + ".%i" + name.substring(dot)).toString());
        roll.setMinIndex(1);
        roll.setMaxIndex(ROLL_FILES);
        roll.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(ctx);
        trigger.setMaxFileSize(ROLL_SIZE);
        trigger.start();
        appender.setRollingPolicy(roll);
        appender.setTriggeringPolicy(trigger);
        return appender;
    }

    /** Console filter when logging to files: the CLI's own INFO lines and every WARN or ERROR. */
    private static Filter<ILoggingEvent> lifecycleAndWarnings(String cliLoggers) {
        Filter<ILoggingEvent> f = new Filter<>() {
            @Override
            public FilterReply decide(ILoggingEvent e) {
                if (e.getLevel().isGreaterOrEqual(Level.WARN)) return FilterReply.NEUTRAL;
                boolean cli = e.getLoggerName().startsWith(cliLoggers) && e.getLevel().isGreaterOrEqual(Level.INFO);
                return cli ? FilterReply.NEUTRAL : FilterReply.DENY;
            }
        };
        f.start();
        return f;
    }
}

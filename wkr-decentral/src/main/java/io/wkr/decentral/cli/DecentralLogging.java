package io.wkr.decentral.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.rolling.FixedWindowRollingPolicy;
import ch.qos.logback.core.rolling.RollingFileAppender;
import ch.qos.logback.core.rolling.SizeBasedTriggeringPolicy;
import ch.qos.logback.core.util.FileSize;
import ch.qos.logback.core.filter.Filter;
import ch.qos.logback.core.spi.FilterReply;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.LoggerFactory;

/**
 * Logback for {@code wkr-decentral-start}, from {@code -log_dir}, {@code -log_name} and {@code
 * -verbose}: the console only, or {@code <dir>/<name>.log} (everything) and {@code
 * <dir>/<name>.err} (errors) with the console keeping the CLI's lifecycle lines and warnings. A
 * {@code -Dlogback.configurationFile} wins.
 */
final class DecentralLogging {
    private static final String PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{30}: %msg%n";
    private static final String CLI_LOGGERS = "io.wkr.decentral.cli.";

    private DecentralLogging() {}

    static Optional<Path> configure(Path dir, String name, boolean verbose) {
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
        Logger root = ctx.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        root.setLevel(Level.INFO);
        Level ours = verbose ? Level.DEBUG : Level.INFO;
        ctx.getLogger("io.wkr").setLevel(ours);
        ctx.getLogger("wkr").setLevel(ours);
        // Jedis and Jetty say little of use at INFO; their warnings still show.
        ctx.getLogger("redis.clients").setLevel(Level.WARN);
        ctx.getLogger("org.eclipse.jetty").setLevel(Level.WARN);
        ctx.getLogger("io.javalin").setLevel(Level.WARN);
        ConsoleAppender<ILoggingEvent> console = new ConsoleAppender<>();
        if (dir == null) {
            root.addAppender(start(ctx, console, null));
            return Optional.empty();
        }
        root.addAppender(start(ctx, console, lifecycleAndWarnings()));
        Path log = dir.resolve(name + ".log");
        root.addAppender(start(ctx, file(ctx, log), null));
        ThresholdFilter errors = new ThresholdFilter();
        errors.setLevel(Level.ERROR.levelStr);
        errors.start();
        root.addAppender(start(ctx, file(ctx, dir.resolve(name + ".err")), errors));
        return Optional.of(log);
    }

    /** A file that rolls at 100 MB and keeps 10 old files ({@code name.1.log} ...). */
    private static RollingFileAppender<ILoggingEvent> file(LoggerContext ctx, Path file) {
        RollingFileAppender<ILoggingEvent> appender = new RollingFileAppender<>();
        appender.setContext(ctx);
        appender.setFile(file.toString());
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        FixedWindowRollingPolicy roll = new FixedWindowRollingPolicy();
        roll.setContext(ctx);
        roll.setParent(appender);
        roll.setFileNamePattern(file.resolveSibling(name.substring(0, dot) + ".%i" + name.substring(dot)).toString());
        roll.setMinIndex(1);
        roll.setMaxIndex(10);
        roll.start();
        SizeBasedTriggeringPolicy<ILoggingEvent> trigger = new SizeBasedTriggeringPolicy<>();
        trigger.setContext(ctx);
        trigger.setMaxFileSize(FileSize.valueOf("100MB"));
        trigger.start();
        appender.setRollingPolicy(roll);
        appender.setTriggeringPolicy(trigger);
        return appender;
    }

    private static <A extends Appender<ILoggingEvent>> A start(LoggerContext ctx, A appender,
            Filter<ILoggingEvent> filter) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(ctx);
        encoder.setPattern(PATTERN);
        encoder.start();
        appender.setContext(ctx);
        if (appender instanceof ConsoleAppender<ILoggingEvent> c) c.setEncoder(encoder);
        if (appender instanceof FileAppender<ILoggingEvent> f) f.setEncoder(encoder);
        if (filter != null) appender.addFilter(filter);
        appender.start();
        return appender;
    }

    private static Filter<ILoggingEvent> lifecycleAndWarnings() {
        Filter<ILoggingEvent> f = new Filter<>() {
            @Override
            public FilterReply decide(ILoggingEvent e) {
                if (e.getLevel().isGreaterOrEqual(Level.WARN)) return FilterReply.NEUTRAL;
                return e.getLoggerName().startsWith(CLI_LOGGERS) ? FilterReply.NEUTRAL : FilterReply.DENY;
            }
        };
        f.start();
        return f;
    }
}

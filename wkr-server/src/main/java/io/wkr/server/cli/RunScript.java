package io.wkr.server.cli;

import io.wkr.protocol.Wire;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The {@code run_script.sh} that {@code wkr-serving-make} prints: a POSIX {@code sh} script with
 * {@code start}, {@code stop}, {@code stopf}, {@code restart} and {@code status}. The server
 * command line is the user's own arguments, each shell-quoted, so it runs exactly as typed
 * (the original re-rendered option values and produced invalid command lines).
 *
 * @param directory absolute directory the script was generated in: the server's working
 *     directory, and home of {@code logs/} and the pid file
 * @param name service name ({@code -name}), used for the pid file and messages
 * @param launcher absolute path of {@code scripts/wkr-serving-start}
 * @param serverArgs arguments for the launcher: the worker class and options, minus {@code -name}
 * @param startWaitSeconds how long {@code start} waits for the server to be ready
 * @param stopWaitSeconds how long {@code stop} waits for the drained server to exit
 * @param service which command the script runs ({@link Service#SERVING} for {@code
 *     wkr-serving-make}); public so that other wkr tools ({@code wkr-decentral-make}) print the
 *     same script for their own command
 */
public record RunScript(String directory, String name, String launcher, List<String> serverArgs,
        long startWaitSeconds, long stopWaitSeconds, Service service) {
    /** The line {@link ServingStart} logs once it serves; {@code start} waits for it. */
    static final String READY_MARK = "wkr-serving-start ready:";

    /**
     * The command a run script drives.
     *
     * @param command the launcher's name; the command logs {@code "<command> ready:"} once it
     *     serves, and its process is recognised by this name or {@code mainClass} in its command line
     * @param mainClass simple name of the Java main class the launcher runs
     * @param maker the command that prints the script
     * @param stopNote what {@code stop} (SIGTERM) does, for the script's usage comment
     * @param startWaitNote how {@code START_WAIT} was chosen
     * @param stopWaitNote how {@code STOP_WAIT} was chosen
     */
    public record Service(String command, String mainClass, String maker, String stopNote, String startWaitNote,
            String stopWaitNote) {
        /** {@code wkr-serving-start}. */
        public static final Service SERVING = new Service("wkr-serving-start", "ServingStart", "wkr-serving-make",
                "the server drains queued and running requests, then exits", "-startup_timeout + 30",
                "-drain_timeout + 15");

        public Service {
            Objects.requireNonNull(command, "command == null");
            Objects.requireNonNull(mainClass, "mainClass == null");
            Objects.requireNonNull(maker, "maker == null");
            Objects.requireNonNull(stopNote, "stopNote == null");
            Objects.requireNonNull(startWaitNote, "startWaitNote == null");
            Objects.requireNonNull(stopWaitNote, "stopWaitNote == null");
        }

        /** The line the command logs once it serves. */
        public String readyMark() {
            return command + " ready:";
        }
    }

    /** A script for {@code wkr-serving-start}. */
    RunScript(String directory, String name, String launcher, List<String> serverArgs, long startWaitSeconds,
            long stopWaitSeconds) {
        this(directory, name, launcher, serverArgs, startWaitSeconds, stopWaitSeconds, Service.SERVING);
    }
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*");
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_./:=,+@%^-]+");
    private static final Pattern OPTION = Pattern.compile("--?[A-Za-z][A-Za-z0-9_-]*(=.*)?");

    public RunScript {
        Objects.requireNonNull(directory, "directory == null");
        Objects.requireNonNull(service, "service == null");
        Objects.requireNonNull(launcher, "launcher == null");
        serverArgs = List.copyOf(serverArgs);
        if (!NAME.matcher(Objects.requireNonNull(name, "name == null")).matches()) {
            throw new IllegalArgumentException("-name must be letters, digits, '.', '_' or '-' (it names the pid "
                    + "file): " + name);
        }
    }

    /** {@code s} as one word for {@code sh}: as is when safe, else in single quotes. */
    public static String quote(String s) {
        return !s.isEmpty() && SAFE.matcher(s).matches() ? s : singleQuoted(s);
    }

    private static String singleQuoted(String s) {
        return "'" + s.replace("'", "'\\''") + "'";
    }

    /** The script text. */
    public String render() {
        String generated = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
        return HEADER.replace("@NAME@", name).replace("@GENERATED@", generated).replace("@VERSION@", Wire.WKR_VERSION)
                .replace("@STOP_WAIT@", Long.toString(stopWaitSeconds)).replace("@MAKER@", service.maker())
                .replace("@STOP_NOTE@", service.stopNote())
                + "DAEMON_PATH=" + singleQuoted(directory) + "\n"
                + "NAME=" + singleQuoted(name) + "\n"
                + "LOG_DIR=\"$DAEMON_PATH/logs\"\n"
                + "LOG_FILE=\"$LOG_DIR/std.log\"\n"
                + "PIDFILE=\"$DAEMON_PATH/$NAME.pid\"\n"
                + "START_WAIT=" + startWaitSeconds + "  # s: " + service.startWaitNote() + "\n"
                + "STOP_WAIT=" + stopWaitSeconds + "  # s: " + service.stopWaitNote() + "\n"
                + "READY=" + quote(service.readyMark()) + "\n\n"
                + "# The server, exactly as given to " + service.maker() + " (minus -name). nohup: survive the terminal.\n"
                + "server() {\n"
                + "    exec nohup " + commandLine() + "\n"
                + "}\n"
                + BODY.replace("@MAIN_CLASS@", service.mainClass()).replace("@COMMAND@", service.command());
    }

    /** The launcher and arguments, quoted, one option (with its values) per line. */
    private String commandLine() {
        List<String> lines = new ArrayList<>();
        StringBuilder line = new StringBuilder(quote(launcher));
        for (String arg : serverArgs) {
            if (OPTION.matcher(arg).matches()) {
                lines.add(line.toString());
                line = new StringBuilder(quote(arg));
            } else {
                line.append(' ').append(quote(arg));
            }
        }
        lines.add(line.toString());
        return String.join(" \\\n        ", lines);
    }

    private static final String HEADER = """
            #!/bin/sh
            # Runs the wkr service '@NAME@'. Generated by @MAKER@ @VERSION@ on @GENERATED@.
            #
            # Usage: sh run_script.sh {start|stop|stopf|restart|status}
            #   start    start in the background, output in logs/std.log; waits until the server is ready
            #            (exit 0) or has failed (exit 1, the end of the log is shown); refuses a second start
            #   stop     SIGTERM: @STOP_NOTE@ (waits up to
            #            @STOP_WAIT@ s, then exit 1 and keeps the pid file, so stopf can follow)
            #   stopf    SIGKILL at once
            #   restart  stop, then start
            #   status   "running (pid N)", exit 0; or "not running", exit 3
            # JVM options (heap, GC) come from JAVA_OPTS in the environment.

            """;

    private static final String BODY = """

            # True while process $1 exists and is not a zombie.
            alive() {
                [ -n "$1" ] && kill -0 "$1" 2>/dev/null || return 1
                if [ -r "/proc/$1/stat" ]; then
                    [ "$(sed 's/.*) //' "/proc/$1/stat" | cut -c1)" != Z ] || return 1
                fi
                return 0
            }

            # Prints the pid of this service's running server; fails when there is none (or the pid was reused).
            running_pid() {
                [ -f "$PIDFILE" ] || return 1
                pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
                alive "$pid" || return 1
                if [ -r "/proc/$pid/cmdline" ] \\
                    && ! tr '\\000' ' ' < "/proc/$pid/cmdline" | grep -q -e @MAIN_CLASS@ -e @COMMAND@; then
                    return 1
                fi
                echo "$pid"
            }

            do_start() {
                if pid=$(running_pid); then
                    echo "$NAME is already running (pid $pid)"
                    return 1
                fi
                mkdir -p "$LOG_DIR" || return 1
                [ ! -f "$LOG_FILE" ] || mv -f "$LOG_FILE" "$LOG_FILE.1"
                cd "$DAEMON_PATH" || return 1
                printf '%-50s' "Starting $NAME..."
                server < /dev/null > "$LOG_FILE" 2>&1 &
                pid=$!
                echo "$pid" > "$PIDFILE"
                ticks=0
                while ! grep -q -F "$READY" "$LOG_FILE" 2>/dev/null; do
                    if ! alive "$pid"; then
                        wait "$pid" 2>/dev/null
                        code=$?
                        rm -f "$PIDFILE"
                        echo "Fail (exit code $code). End of $LOG_FILE:"
                        tail -n 20 "$LOG_FILE"
                        return 1
                    fi
                    if [ "$ticks" -ge $((START_WAIT * 5)) ]; then
                        echo "Fail: not ready after $START_WAIT s (pid $pid still starting, see $LOG_FILE)"
                        return 1
                    fi
                    sleep 0.2
                    ticks=$((ticks + 1))
                done
                echo "Ok (pid $pid)"
                grep -F "$READY" "$LOG_FILE" | tail -n 1 | sed 's/.*@COMMAND@ //'
                return 0
            }

            do_stop() {
                if ! pid=$(running_pid); then
                    rm -f "$PIDFILE"
                    echo "$NAME is not running"
                    return 0
                fi
                printf '%-50s' "Stopping $NAME (draining)..."
                kill -TERM "$pid" 2>/dev/null
                ticks=0
                while alive "$pid"; do
                    if [ "$ticks" -ge $((STOP_WAIT * 5)) ]; then
                        echo "Fail: pid $pid still running after $STOP_WAIT s; force it with: $0 stopf"
                        return 1
                    fi
                    sleep 0.2
                    ticks=$((ticks + 1))
                done
                rm -f "$PIDFILE"
                echo "Ok"
            }

            do_stopf() {
                printf '%-50s' "Killing $NAME..."
                if pid=$(running_pid); then
                    kill -KILL "$pid" 2>/dev/null
                    ticks=0
                    while alive "$pid" && [ "$ticks" -lt 50 ]; do
                        sleep 0.2
                        ticks=$((ticks + 1))
                    done
                fi
                rm -f "$PIDFILE"
                echo "Ok"
            }

            do_status() {
                if pid=$(running_pid); then
                    echo "$NAME is running (pid $pid)"
                    return 0
                fi
                if [ -f "$PIDFILE" ]; then
                    echo "$NAME is not running (stale pid file $PIDFILE)"
                else
                    echo "$NAME is not running"
                fi
                return 3
            }

            case "${1:-}" in
                start) do_start ;;
                stop) do_stop ;;
                stopf) do_stopf ;;
                restart) do_stop && do_start ;;
                status) do_status ;;
                *) echo "Usage: $0 {start|stop|stopf|restart|status}"; exit 2 ;;
            esac
            """;
}

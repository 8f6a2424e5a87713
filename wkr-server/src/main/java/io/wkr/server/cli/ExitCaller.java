package io.wkr.server.cli;

import java.util.Map;
import java.util.Optional;

/**
 * Tells, from a shutdown hook, whether the JVM is exiting because code called {@code
 * System.exit} (a model's {@code predict}, say) rather than because of a signal: the thread that
 * called it is still inside {@code java.lang.Shutdown.exit}, waiting for the hooks, while a signal
 * comes through {@code java.lang.Terminator}. A server whose model calls {@code System.exit} must
 * not look like one that was stopped on purpose.
 */
final class ExitCaller {
    private ExitCaller() {}

    /** Where {@code System.exit} was called from ("thread at class.method(file:line)"), or empty for a signal. */
    static Optional<String> find() {
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            String where = caller(e.getValue());
            if (where != null) return Optional.of("thread " + e.getKey().getName() + " at " + where);
        }
        return Optional.empty();
    }

    /** The frame that called exit in this stack, or null when the stack is not exiting by a call. */
    static String caller(StackTraceElement[] stack) {
        int exitAt = -1;
        for (int i = 0; i < stack.length; i++) {
            String c = stack[i].getClassName();
            if (c.equals("java.lang.Terminator") || c.startsWith("jdk.internal.misc.Signal") || c.equals("sun.misc.Signal")) {
                return null;
            }
            if (c.equals("java.lang.Shutdown") && stack[i].getMethodName().equals("exit")) exitAt = i;
        }
        if (exitAt < 0) return null;
        for (int i = exitAt + 1; i < stack.length; i++) {
            String c = stack[i].getClassName();
            if (!c.equals("java.lang.Runtime") && !c.equals("java.lang.System")) return frame(stack[i]);
        }
        return "an unknown caller";
    }

    private static String frame(StackTraceElement f) {
        return f.getClassName() + "." + f.getMethodName() + "(" + f.getFileName() + ":" + f.getLineNumber() + ")";
    }
}

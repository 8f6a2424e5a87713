package io.wkr.server.cli;

import java.io.PrintWriter;

/** Runs {@code wkr-serving-scale} in this JVM with its output captured (for tests in other packages). */
public final class ServingScaleAccess {
    private ServingScaleAccess() {}

    public static int run(PrintWriter out, PrintWriter err, String... args) {
        return ServingScale.run(out, err, args);
    }
}

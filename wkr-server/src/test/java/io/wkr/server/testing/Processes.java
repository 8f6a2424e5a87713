package io.wkr.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Process checks shared by the tests that start real launchers and run scripts. */
public final class Processes {
    private Processes() {}

    /**
     * True while process {@code pid} runs. A zombie (exited, not yet reaped by its parent) does not
     * count: run scripts start servers in the background and nothing may reap them at once.
     */
    public static boolean running(long pid) {
        if (!ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) return false;
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException | RuntimeException e) {
            return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
        }
    }
}

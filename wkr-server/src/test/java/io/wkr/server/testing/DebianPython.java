package io.wkr.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * Runs Debian's own {@code /usr/bin/python3} (not a pyenv or virtualenv {@code python3} that may
 * come first on {@code PATH}): its packages ({@code python3-prometheus-client}, {@code
 * python3-zmq}, ...) are the ones the tests rely on.
 */
public final class DebianPython {
    public static final Path PYTHON = Path.of("/usr/bin/python3");

    private DebianPython() {}

    /**
     * Runs {@code script} with {@code stdin} as its standard input and returns its standard output;
     * fails the test when it exits non-zero (with what it wrote to standard error) or runs past
     * {@code timeout}.
     */
    public static String run(String script, byte[] stdin, Duration timeout) throws IOException, InterruptedException {
        Path err = Files.createTempFile("wkr-python-", ".err");
        try {
            Process p = new ProcessBuilder(PYTHON.toString(), "-c", script)
                    .redirectError(err.toFile())
                    .start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            }
            byte[] out;
            try (InputStream o = p.getInputStream()) {
                out = o.readAllBytes();
            }
            boolean exited = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
            if (!exited) p.destroyForcibly();
            assertThat(exited).as("python exited within " + timeout).isTrue();
            assertThat(p.exitValue()).as("python failed: " + Files.readString(err)).isZero();
            return new String(out, StandardCharsets.UTF_8);
        } finally {
            Files.deleteIfExists(err);
        }
    }
}

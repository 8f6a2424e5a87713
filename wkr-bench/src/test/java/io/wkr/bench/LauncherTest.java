package io.wkr.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code scripts/wkr-bench} starts this module's {@link Bench} through a symlink, on the JVM that
 * {@code JAVA_HOME} names, with this test's class path given as {@code WKR_CLASSPATH} (this
 * module's jar and target/lib are made only after its tests run).
 */
@Timeout(60)
class LauncherTest {
    @TempDir Path dir;

    @Test
    void shouldRunTheBenchThroughASymlinkOnTheJvmOfJavaHome() throws Exception {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        Path root = (Files.exists(here.resolve("scripts/wkr-bench")) ? here : here.getParent()).toRealPath();
        Path link = Files.createSymbolicLink(dir.resolve("bench"), root.resolve("scripts/wkr-bench"));
        // JAVA_HOME/bin/java: leaves a mark, then runs this JVM's java
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        Path mark = dir.resolve("ran");
        Path java = Files.writeString(bin.resolve("java"), "#!/bin/sh\ntouch '" + mark + "'\nexec '"
                + Path.of(System.getProperty("java.home"), "bin", "java") + "' \"$@\"\n");
        Files.setPosixFilePermissions(java, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path out = dir.resolve("out.txt");

        ProcessBuilder pb = new ProcessBuilder(link.toString(), "--help").directory(dir.toFile())
                .redirectErrorStream(true).redirectOutput(out.toFile()).redirectInput(new File("/dev/null"));
        pb.environment().remove("JAVA_OPTS");
        pb.environment().put("JAVA_HOME", bin.getParent().toString());
        pb.environment().put("WKR_CLASSPATH", System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
        Process p = pb.start();
        assertThat(p.waitFor(50, TimeUnit.SECONDS)).as("finished").isTrue();

        String text = Files.readString(out);
        assertThat(p.exitValue()).as(text).isZero();
        assertThat(text).contains("Usage: wkr-bench").contains("--targets");
        assertThat(mark).as("the JVM of JAVA_HOME ran").exists();
    }
}

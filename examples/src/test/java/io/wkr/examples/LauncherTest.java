package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The launchers in {@code scripts/} (all built on {@code scripts/lib/launcher.sh}) run as a user
 * installs them: through a chain of symlinks from another directory, with {@code JAVA_HOME}
 * naming the JVM. The JVM here is a stand-in {@code JAVA_HOME/bin/java} that records its
 * arguments and then runs the real one, so the test sees which JVM ran and with what. Needs the
 * packaged wkr-server and wkr-client (the reactor packages them before this module's tests run),
 * as {@link RunScriptTest} does.
 */
@Timeout(120)
class LauncherTest {
    private static final String BUILD_HINT = "run: mvn -q -B package -DskipTests";
    private static Path root;

    @TempDir Path dir;

    private record Result(int code, String out) {}

    @BeforeAll
    static void findCheckout() throws IOException {
        Path here = Path.of(System.getProperty("user.dir")).toAbsolutePath();
        root = (Files.exists(here.resolve("scripts/lib/launcher.sh")) ? here : here.getParent()).toRealPath();
        assertThat(root.resolve("scripts/lib/launcher.sh")).as("scripts/ of the checkout").exists();
    }

    /** A JAVA_HOME whose bin/java writes its arguments, one a line, to {@code record} and runs this JVM's java. */
    private Path javaHome(Path record) throws IOException {
        Path bin = Files.createDirectories(dir.resolve("jdk/bin"));
        String realJava = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        write(bin.resolve("java"), "#!/bin/sh\nprintf '%s\\n' \"$@\" > '" + record + "'\nexec '" + realJava + "' \"$@\"\n");
        return bin.getParent();
    }

    /** {@code dir/bin/NAME} -> {@code ../links/NAME} (relative) -> {@code script} (absolute). */
    private Path symlinkChain(Path script) throws IOException {
        String name = script.getFileName().toString();
        Path links = Files.createDirectories(dir.resolve("links"));
        Path bin = Files.createDirectories(dir.resolve("bin"));
        Files.createSymbolicLink(links.resolve(name), script);
        return Files.createSymbolicLink(bin.resolve(name), Path.of("..", "links", name));
    }

    private Result run(Path launcher, Map<String, String> env, String... args) throws Exception {
        Path out = Files.createTempFile(dir, "out", ".txt");
        ProcessBuilder pb = new ProcessBuilder(Stream.concat(Stream.of(launcher.toString()), Stream.of(args)).toList())
                .directory(dir.toFile()).redirectErrorStream(true).redirectOutput(out.toFile())
                .redirectInput(new File("/dev/null"));
        pb.environment().remove("WKR_CLASSPATH");
        pb.environment().remove("JAVA_OPTS");
        pb.environment().putAll(env);
        Process p = pb.start();
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.toHandle().destroyForcibly();
            throw new AssertionError(launcher + " did not finish:\n" + Files.readString(out));
        }
        return new Result(p.exitValue(), Files.readString(out));
    }

    private static void write(Path file, String text) throws IOException {
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"wkr-serving-start", "wkr-serving-make", "wkr-serving-terminate", "wkr-serving-scale"})
    void shouldRunThroughASymlinkOnTheJvmOfJavaHome(String name) throws Exception {
        Path record = dir.resolve("java-args.txt");
        Map<String, String> env = Map.of("JAVA_HOME", javaHome(record).toString(), "JAVA_OPTS", "-Dwkr.test.a=1  -Dwkr.test.b=*");
        Path link = symlinkChain(root.resolve("scripts").resolve(name));

        Result version = run(link, env, "-version");
        assertThat(version.code).as(version.out).isZero();
        assertThat(version.out).startsWith(name + " ").contains("wire-compatible with wkr-serving");
        List<String> jvm = Files.readAllLines(record);
        assertThat(jvm).as("JAVA_HOME's java ran, in the checkout behind the symlinks, with JAVA_OPTS as words")
                .contains("-Dwkr.home=" + root, "-Dwkr.test.a=1", "-Dwkr.test.b=*", "-version");
        if (name.equals("wkr-serving-start")) {
            assertThat(jvm).contains("-XX:+ExitOnOutOfMemoryError", "-Dai.djl.offline=true", "-Xmx192m");
        }

        Result help = run(link, env, "-help");
        assertThat(help.code).as(help.out).isZero();
        assertThat(help.out).contains("Usage: " + name);
    }

    @Test
    void shouldRunTheBenchFromWkrClientsJarAndLib() throws Exception {
        // scripts/wkr-bench runs io.wkr.client.bench.Bench from wkr-client's jar and target/lib, which
        // must hold the load generator's optional picocli and HdrHistogram (a library user of
        // wkr-client does not get them, see LibraryClassPathTest).
        Path record = dir.resolve("java-args.txt");
        Map<String, String> env = Map.of("JAVA_HOME", javaHome(record).toString(), "JAVA_OPTS", "-Dwkr.test.a=1  -Dwkr.test.b=*");
        Path link = symlinkChain(root.resolve("scripts/wkr-bench"));

        Result help = run(link, env, "--help");
        assertThat(help.code).as(help.out).isZero();
        assertThat(help.out).contains("Usage: wkr-bench").contains("--targets");
        assertThat(Files.readAllLines(record)).as("JAVA_HOME's java ran, in the checkout behind the symlinks, with JAVA_OPTS as words")
                .contains("-Dwkr.home=" + root, "-Dwkr.test.a=1", "-Dwkr.test.b=*", "io.wkr.client.bench.Bench", "--help");
        try (Stream<Path> lib = Files.list(root.resolve("wkr-client/target/lib"))) {
            assertThat(lib.map(p -> p.getFileName().toString()))
                    .anyMatch(n -> n.startsWith("picocli-")).anyMatch(n -> n.startsWith("HdrHistogram-"))
                    .noneMatch(n -> n.startsWith("logback-"));
        }
    }

    @Test
    void shouldNameTheOneBuildCommandWhenNotBuilt() throws Exception {
        // A checkout with scripts/ and nothing built: every launcher says how to build, and runs no JVM.
        Path scripts = dir.resolve("checkout/scripts");
        Files.createDirectories(scripts.resolve("lib"));
        List<String> launchers = List.of("wkr-serving-start", "wkr-serving-make", "wkr-serving-terminate", "wkr-serving-scale",
                "wkr-decentral-start", "wkr-decentral-make", "wkr-decentral-status", "wkr-decentral-idle",
                "wkr-decentral-restart", "wkr-decentral-switch", "wkr-decentral-terminate", "wkr-bench");
        Path lib = Path.of("lib", "launcher.sh");
        for (String name : Stream.concat(launchers.stream(), Stream.of(lib.toString())).toList()) {
            write(scripts.resolve(name), Files.readString(root.resolve("scripts").resolve(name)));
        }
        Path record = dir.resolve("java-args.txt");
        Map<String, String> env = Map.of("JAVA_HOME", javaHome(record).toString());
        for (String name : launchers) {
            Result r = run(symlinkChain(scripts.resolve(name)), env, "-help");
            assertThat(r.code).as(name + ": " + r.out).isEqualTo(1);
            assertThat(r.out).as(name).startsWith(name + ": wkr is not built").contains(BUILD_HINT);
        }
        assertThat(record).as("no JVM started").doesNotExist();
    }
}

package io.wkr.server.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.server.testing.EchoTestWorker;
import java.io.IOException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

@Timeout(30)
class WorkerLoaderTest {
    @TempDir Path dir;

    @Test
    void shouldExpandDirStarToTheJarsInDir() throws IOException {
        Files.createDirectories(dir.resolve("lib"));
        Files.writeString(dir.resolve("lib/b.jar"), "");
        Files.writeString(dir.resolve("lib/a.jar"), "");
        Files.writeString(dir.resolve("lib/notes.txt"), "");
        List<URL> urls = WorkerLoader.classpathUrls(dir.resolve("lib") + "/*");
        assertThat(urls).extracting(u -> Path.of(u.getPath()).getFileName().toString()).containsExactly("a.jar", "b.jar");
    }

    @Test
    void shouldTakeDirectoriesJarsAndGlobs() throws IOException {
        Files.createDirectories(dir.resolve("classes"));
        Files.writeString(dir.resolve("model-1.jar"), "");
        Files.writeString(dir.resolve("other.jar"), "");
        List<URL> urls = WorkerLoader.classpathUrls(dir.resolve("classes") + ":" + dir.resolve("model-*.jar") + "::");
        assertThat(urls).hasSize(2);
        assertThat(urls.get(0).toString()).endsWith("/classes/");
        assertThat(urls.get(1).toString()).endsWith("/model-1.jar");
    }

    @Test
    void shouldRefuseEntriesThatDoNotExist() {
        assertThatThrownBy(() -> WorkerLoader.classpathUrls(dir.resolve("missing.jar").toString()))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("missing.jar");
        assertThatThrownBy(() -> WorkerLoader.classpathUrls(dir.resolve("nodir") + "/*"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nodir");
    }

    @Test
    void shouldLoadAWorkerFromADirectoryOnTheClassPathAndMakeInstances() throws Exception {
        // the test classes directory, given with -cp: the class is found through the URLClassLoader's parent
        Path classes = Path.of(EchoTestWorker.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        WorkerLoader.WorkerClass w = WorkerLoader.load(EchoTestWorker.class.getName(), classes.toString());
        assertThat(w.factory().get()).isInstanceOf(EchoTestWorker.class);
        assertThat(w.factory().get()).isNotSameAs(w.factory().get());
    }
}

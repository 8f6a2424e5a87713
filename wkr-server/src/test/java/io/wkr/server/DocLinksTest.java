package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.testing.Docs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The user docs (README.md and docs/*.md) point only at what the repository holds: every relative
 * link names a file that exists (and, with {@code #anchor}, a heading of that document), and every
 * Markdown file named in backquotes exists, so no doc cites a reference kept outside the
 * repository.
 */
class DocLinksTest {
    @Test
    void shouldLinkOnlyToFilesAndHeadingsThatExist() {
        List<String> broken = new ArrayList<>();
        for (Path doc : Docs.all()) {
            for (String link : Docs.links(doc)) {
                if (link.matches("^[a-z]+:.*")) continue; // https:, mailto:
                int hash = link.indexOf('#');
                String file = hash < 0 ? link : link.substring(0, hash);
                Path target = file.isEmpty() ? doc : doc.getParent().resolve(file).normalize();
                if (!Files.exists(target)) {
                    broken.add(name(doc) + ": " + link + " (no such file)");
                } else if (hash >= 0 && !Docs.anchors(target).contains(link.substring(hash + 1))) {
                    broken.add(name(doc) + ": " + link + " (no such heading in " + name(target) + ")");
                }
            }
        }
        assertThat(broken).as("links in the docs").isEmpty();
    }

    @Test
    void shouldNameOnlyMarkdownFilesTheRepositoryHolds() {
        List<String> missing = new ArrayList<>();
        for (Path doc : Docs.all()) {
            for (String file : Docs.namedMarkdownFiles(doc)) {
                Path root = Docs.root();
                if (!Files.exists(root.resolve(file)) && !Files.exists(root.resolve("docs").resolve(file))) {
                    missing.add(name(doc) + ": `" + file + "`");
                }
            }
        }
        assertThat(missing).as("Markdown files the docs name that are not in the repository").isEmpty();
    }

    private static String name(Path doc) {
        return Docs.root().relativize(doc).toString();
    }
}

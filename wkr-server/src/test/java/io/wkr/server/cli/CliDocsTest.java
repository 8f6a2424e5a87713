package io.wkr.server.cli;

import io.wkr.server.testing.Docs;
import io.wkr.server.testing.LauncherHelp;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every option {@code docs/cli.md} documents for a {@code wkr-serving-*} launcher (the option
 * tables under its heading) is one that launcher's {@code -help} lists, run as its user runs it:
 * the main class in a child JVM. A removed or renamed option, or a typo in the doc, fails here.
 * The options shown as accepted-and-ignored in prose are hidden from {@code -help} on purpose and
 * are checked by {@code ServerOptionsTest}.
 */
@Timeout(180)
class CliDocsTest {
    private static final Path CLI = Docs.doc("cli.md");
    @TempDir Path dir;

    @Test
    void shouldListEveryOptionCliMdDocumentsForWkrServingStart() throws Exception {
        String help = LauncherHelp.of(dir, ServingStart.class, "-help");
        LauncherHelp.assertListsAll(help, options("wkr-serving-start"), "wkr-serving-start", "cli.md § wkr-serving-start");
    }

    @Test
    void shouldListEveryOptionOfWkrServingStartAndItsOwnForWkrServingMake() throws Exception {
        // cli.md: "wkr-serving-make takes everything wkr-serving-start takes, plus" its own table.
        Set<String> documented = new LinkedHashSet<>(options("wkr-serving-start"));
        documented.addAll(options("wkr-serving-make and run_script.sh"));
        String help = LauncherHelp.of(dir, ServingMake.class, "-help");
        LauncherHelp.assertListsAll(help, documented, "wkr-serving-make",
                "cli.md § wkr-serving-start and § wkr-serving-make and run_script.sh");
    }

    @Test
    void shouldListEveryOptionCliMdDocumentsForWkrServingTerminate() throws Exception {
        String help = LauncherHelp.of(dir, ServingTerminate.class, "-help");
        LauncherHelp.assertListsAll(help, options("wkr-serving-terminate"), "wkr-serving-terminate",
                "cli.md § wkr-serving-terminate");
    }

    @Test
    void shouldListEveryOptionCliMdDocumentsForWkrServingScale() throws Exception {
        String help = LauncherHelp.of(dir, ServingScale.class, "-help");
        LauncherHelp.assertListsAll(help, options("wkr-serving-scale"), "wkr-serving-scale", "cli.md § wkr-serving-scale");
    }

    private static Set<String> options(String heading) {
        return Docs.tableOptions(Docs.section(CLI, heading));
    }
}

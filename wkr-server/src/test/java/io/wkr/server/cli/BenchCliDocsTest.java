package io.wkr.server.cli;

import io.wkr.server.testing.Docs;
import io.wkr.server.testing.LauncherHelp;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every option {@code docs/cli.md} documents for {@code wkr-bench} is one its {@code --help}
 * lists, the tool run in a child JVM. It lives here because the server's test class path has the
 * tool; it belongs with the tool's module: when the tool moves, move this class and change {@link
 * #MAIN_CLASS}.
 */
@Timeout(120)
class BenchCliDocsTest {
    /** The tool's main class, by name: where the tool lives is this test's only tie to it. */
    static final String MAIN_CLASS = "io.wkr.client.bench.Bench";
    @TempDir Path dir;

    @Test
    void shouldListEveryOptionCliMdDocumentsForWkrBench() throws Exception {
        Class<?> bench;
        try {
            bench = Class.forName(MAIN_CLASS);
        } catch (ClassNotFoundException e) {
            throw new AssertionError(MAIN_CLASS + " is not on this module's test class path: move "
                    + BenchCliDocsTest.class.getSimpleName() + " to the module that holds wkr-bench", e);
        }
        String help = LauncherHelp.of(dir, bench, "--help");
        LauncherHelp.assertListsAll(help, Docs.tableOptions(Docs.section(Docs.doc("cli.md"), "wkr-bench")),
                "wkr-bench", "cli.md § wkr-bench");
    }
}

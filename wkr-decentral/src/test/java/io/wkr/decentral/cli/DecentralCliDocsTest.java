package io.wkr.decentral.cli;

import io.wkr.server.testing.Docs;
import io.wkr.server.testing.LauncherHelp;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every option {@code docs/decentral.md} documents for a {@code wkr-decentral-*} launcher (the
 * option tables under its heading) is one that launcher's {@code -help} lists, run as the
 * scripts run it: the main class in a child JVM. A removed or renamed option, or a typo in the
 * doc, fails here.
 */
@Timeout(240)
class DecentralCliDocsTest {
    private static final Path DOC = Docs.doc("decentral.md");
    /** The control tools, as the scripts name them to {@link DecentralControl}. */
    private static final List<String> TOOLS = List.of("wkr-decentral-status", "wkr-decentral-idle",
            "wkr-decentral-restart", "wkr-decentral-switch", "wkr-decentral-terminate");
    @TempDir Path dir;

    @Test
    void shouldListEveryOptionDecentralMdDocumentsForWkrDecentralStart() throws Exception {
        String help = LauncherHelp.of(dir, DecentralStart.class, "-help");
        LauncherHelp.assertListsAll(help, options("wkr-decentral-start options"), "wkr-decentral-start",
                "decentral.md § wkr-decentral-start options");
    }

    @Test
    void shouldListEveryOptionOfWkrDecentralStartAndItsOwnForWkrDecentralMake() throws Exception {
        // decentral.md: "wkr-decentral-make ... takes everything wkr-decentral-start takes, plus" its own table.
        Set<String> documented = new LinkedHashSet<>(options("wkr-decentral-start options"));
        documented.addAll(options("wkr-decentral-make"));
        String help = LauncherHelp.of(dir, DecentralMake.class, "-help");
        LauncherHelp.assertListsAll(help, documented, "wkr-decentral-make",
                "decentral.md § wkr-decentral-start options and § wkr-decentral-make");
    }

    @Test
    void shouldListTheOptionsOfTheControlToolsForEachTool() throws Exception {
        Set<String> documented = options("The control tools");
        for (String tool : TOOLS) {
            String help = LauncherHelp.of(dir, DecentralControl.class, tool, "-help");
            LauncherHelp.assertListsAll(help, documented, tool, "decentral.md § The control tools");
        }
    }

    @Test
    void shouldListTheSwitchOptionsForWkrDecentralSwitch() throws Exception {
        String help = LauncherHelp.of(dir, DecentralControl.class, "wkr-decentral-switch", "-help");
        LauncherHelp.assertListsAll(help, options("wkr-decentral-switch"), "wkr-decentral-switch",
                "decentral.md § wkr-decentral-switch");
    }

    private static Set<String> options(String heading) {
        return Docs.tableOptions(Docs.section(DOC, heading));
    }
}

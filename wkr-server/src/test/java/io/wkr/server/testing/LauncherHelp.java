package io.wkr.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A launcher's {@code -help} as its user sees it: the main class run in a child JVM, and the
 * option names its usage text lists. Used to hold the docs' option tables to the launchers.
 */
public final class LauncherHelp {
    /**
     * An option row of picocli's usage text: a few spaces, then the names (comma-separated, the
     * last one with {@code =PARAM}), then two spaces and the description or the end of the line.
     * Description lines are indented further and synopsis lines start with {@code [}, so an option
     * that is only mentioned in another's description does not count.
     */
    private static final Pattern ROW = Pattern.compile("^ {1,8}(-[^ ].*?)(?: {2,}.*)?$");
    private static final Pattern NAME = Pattern.compile("^--?[A-Za-z][A-Za-z0-9_-]*");

    private LauncherHelp() {}

    /**
     * Runs {@code java mainClass args} (args ending in the help option) in {@code dir} and returns
     * what it printed; fails unless it exits 0.
     */
    public static String of(Path dir, Class<?> mainClass, String... args) throws Exception {
        try (CliProcess help = CliProcess.start(dir, mainClass, args)) {
            int status = help.awaitExit(Duration.ofSeconds(60));
            assertThat(status).as("exit status of %s %s:%n%s", mainClass.getName(), String.join(" ", args), help.output())
                    .isZero();
            return help.output();
        }
    }

    /** The option names (aliases included) the usage text {@code help} lists, in order. */
    public static Set<String> options(String help) {
        Set<String> out = new LinkedHashSet<>();
        for (String line : help.split("\\R")) {
            Matcher row = ROW.matcher(line);
            if (!row.matches()) continue;
            for (String name : row.group(1).split(", ")) {
                Matcher n = NAME.matcher(name.strip());
                if (n.find()) out.add(n.group());
            }
        }
        return out;
    }

    /**
     * Asserts that {@code help} lists every one of {@code documented}, naming the ones it does not
     * (a removed or renamed option, or a typo in the doc) and where they were documented.
     */
    public static void assertListsAll(String help, Collection<String> documented, String launcher, String where) {
        assertThat(documented).as("options documented in %s", where).isNotEmpty();
        Set<String> listed = options(help);
        Set<String> missing = new TreeSet<>(documented);
        missing.removeAll(listed);
        assertThat(missing)
                .as("options %s documents that %s -help does not list (it lists %s)", where, launcher, listed)
                .isEmpty();
    }
}

package io.wkr.server.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the tables of a page in {@code docs/}, for tests that hold the code to what the docs say.
 * A table row is a line that starts with {@code |}, but not a table's header or its {@code |---|}
 * line.
 */
public final class DocTables {
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");

    private DocTables() {}

    /**
     * A table row.
     *
     * @param heading the nearest heading above the row, as written (with its {@code #}s)
     * @param cells the cells, trimmed
     */
    public record Row(String heading, List<String> cells) {
        /** What cell {@code i} writes in backticks, in order. */
        public List<String> code(int i) {
            return DocTables.code(cells.get(i));
        }
    }

    /** The file {@code docs/<page>} of this checkout (the tests run in a module's directory). */
    public static Path page(String page) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path p = dir.resolve("docs").resolve(page);
            if (Files.isRegularFile(p)) return p;
        }
        throw new AssertionError("docs/" + page + " not found above " + Path.of("").toAbsolutePath());
    }

    /** What {@code text} writes in backticks, in order. */
    public static List<String> code(String text) {
        List<String> out = new ArrayList<>();
        Matcher m = CODE.matcher(text);
        while (m.find()) out.add(m.group(1));
        return out;
    }

    /**
     * The table rows of the section of {@code docs/<page>} that starts with the heading line
     * {@code section} (for example {@code "## 9. Status keys"}), up to the next heading of that
     * level or above.
     */
    public static List<Row> rows(String page, String section) throws IOException {
        List<String> lines = Files.readAllLines(page(page));
        int start = lines.indexOf(section);
        if (start < 0) throw new AssertionError("no heading '" + section + "' in docs/" + page);
        int level = section.indexOf(' ');
        List<Row> rows = new ArrayList<>();
        String heading = section;
        boolean header = false;
        for (String line : lines.subList(start + 1, lines.size())) {
            if (line.startsWith("#")) {
                int l = line.indexOf(' ');
                if (l <= level) break;
                heading = line;
                continue;
            }
            if (!line.startsWith("|")) {
                header = false;
                continue;
            }
            if (!header) { // the first line of a table is its header
                header = true;
                continue;
            }
            if (line.startsWith("|---")) continue;
            List<String> cells = new ArrayList<>();
            for (String c : line.substring(1, line.lastIndexOf('|')).split("\\|", -1)) cells.add(c.trim());
            rows.add(new Row(heading, cells));
        }
        if (rows.isEmpty()) throw new AssertionError("no table under '" + section + "' in docs/" + page);
        return rows;
    }
}

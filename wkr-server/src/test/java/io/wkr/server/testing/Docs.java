package io.wkr.server.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The user documentation ({@code README.md} and {@code docs/*.md} of the checkout) read by tests
 * that hold it to the code: the options a launcher's section documents, the HTTP routes a page
 * names, its links and headings. Markdown is read line by line; only the shapes these docs use are
 * understood (option tables whose header starts with "option", {@code `METHOD /path`} spans).
 */
public final class Docs {
    private static final Pattern HEADING = Pattern.compile("^(#{1,6})\\s+(.*?)\\s*$");
    private static final Pattern CODE = Pattern.compile("`([^`]+)`");
    private static final Pattern OPTION = Pattern.compile("^--?[A-Za-z][A-Za-z0-9_-]*");
    private static final Pattern ROUTE = Pattern.compile("^(GET|HEAD|POST|PUT|PATCH|DELETE|OPTIONS) (/\\S*)$");
    private static final Pattern LINK = Pattern.compile("\\]\\(([^)\\s]+)\\)");
    private static final Pattern FILE_PATH = Pattern.compile("^/[A-Za-z0-9._~/-]*/[A-Za-z0-9_~-][A-Za-z0-9._~-]*\\.[A-Za-z0-9]+$");

    private Docs() {}

    /** An HTTP route a doc names: {@code GET /status}. */
    public record Route(String method, String path) {
        @Override
        public String toString() {
            return method + " " + path;
        }
    }

    /** {@code docs/<name>} of the checkout the tests run in (found upwards from the working directory). */
    public static Path doc(String name) {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path doc = dir.resolve("docs").resolve(name);
            if (Files.isRegularFile(doc) && Files.isRegularFile(dir.resolve("pom.xml"))) return doc;
        }
        throw new AssertionError("docs/" + name + " not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * The lines under the heading whose text is {@code heading} (without the {@code #}s), up to the
     * next heading of the same or a higher level: its sub-sections are part of it.
     *
     * @throws AssertionError when the doc has no such heading
     */
    public static List<String> section(Path doc, String heading) {
        List<String> lines = lines(doc);
        boolean inCode = false;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).startsWith("```")) inCode = !inCode;
            Matcher h = HEADING.matcher(lines.get(i));
            if (inCode || !h.matches() || !h.group(2).equals(heading)) continue;
            int level = h.group(1).length();
            int end = i + 1;
            boolean fenced = false;
            for (; end < lines.size(); end++) {
                String line = lines.get(end);
                if (line.startsWith("```")) fenced = !fenced;
                Matcher next = HEADING.matcher(line);
                if (!fenced && next.matches() && next.group(1).length() <= level) break;
            }
            return lines.subList(i + 1, end);
        }
        throw new AssertionError(doc + " has no heading '" + heading + "'");
    }

    /**
     * The options named in the first column of the option tables in {@code lines}: tables whose
     * header's first cell starts with "option". Each {@code `...`} in that column gives its first
     * word when that starts with a dash: {@code `-port_in` (`-port`, `--port-in`)} gives all three,
     * {@code `-device_map ID...`} gives {@code -device_map}.
     */
    public static Set<String> tableOptions(List<String> lines) {
        Set<String> out = new LinkedHashSet<>();
        boolean inOptionTable = false;
        boolean header = false;
        for (String line : lines) {
            if (!line.startsWith("|")) {
                inOptionTable = false;
                header = false;
                continue;
            }
            String first = cells(line).get(0);
            if (!header) { // the first row of a table is its header
                header = true;
                inOptionTable = first.strip().toLowerCase(Locale.ROOT).startsWith("option");
                continue;
            }
            if (!inOptionTable || first.strip().matches("-+")) continue; // not an option table, or |---|
            Matcher code = CODE.matcher(first.replace("\\|", "|"));
            while (code.find()) {
                Matcher option = OPTION.matcher(code.group(1).strip());
                if (option.find()) out.add(option.group());
            }
        }
        return out;
    }

    /** The routes a doc names anywhere as {@code `METHOD /path`}, in order, without repeats. */
    public static List<Route> routes(Path doc) {
        Set<Route> out = new LinkedHashSet<>();
        for (String span : codeSpans(doc)) {
            Matcher route = ROUTE.matcher(span);
            if (route.matches()) out.add(new Route(route.group(1), route.group(2)));
        }
        return new ArrayList<>(out);
    }

    /**
     * The files a doc names as absolute URL paths, {@code `/dir/file.ext`} (a dashboard asset, for
     * instance), as {@code GET} routes.
     */
    public static List<Route> files(Path doc) {
        Set<Route> out = new LinkedHashSet<>();
        for (String span : codeSpans(doc)) {
            if (FILE_PATH.matcher(span).matches()) out.add(new Route("GET", span));
        }
        return new ArrayList<>(out);
    }

    /** The checkout's root: the directory holding {@code docs/} and the parent {@code pom.xml}. */
    public static Path root() {
        return doc("cli.md").getParent().getParent();
    }

    /** Every Markdown document of the user docs: {@code README.md} and {@code docs/*.md}. */
    public static List<Path> all() {
        Path root = root();
        List<Path> out = new ArrayList<>();
        out.add(root.resolve("README.md"));
        try (var files = Files.list(root.resolve("docs"))) {
            files.filter(f -> f.toString().endsWith(".md")).sorted().forEach(out::add);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out;
    }

    /** The targets of the Markdown links {@code [text](target)} in a doc, outside code blocks. */
    public static List<String> links(Path doc) {
        List<String> out = new ArrayList<>();
        boolean fenced = false;
        for (String line : lines(doc)) {
            if (line.startsWith("```")) fenced = !fenced;
            if (fenced) continue;
            Matcher link = LINK.matcher(line);
            while (link.find()) out.add(link.group(1));
        }
        return out;
    }

    /** The {@code `...`} spans of a doc that name a Markdown file ({@code `reference/x.md`}). */
    public static List<String> namedMarkdownFiles(Path doc) {
        return codeSpans(doc).stream().filter(s -> s.matches("[\\w./-]+\\.md")).toList();
    }

    /** The anchors GitHub gives the headings of a doc ({@code ## 9. Status keys} -> {@code 9-status-keys}). */
    public static Set<String> anchors(Path doc) {
        Set<String> out = new LinkedHashSet<>();
        boolean fenced = false;
        for (String line : lines(doc)) {
            if (line.startsWith("```")) fenced = !fenced;
            Matcher h = HEADING.matcher(line);
            if (fenced || !h.matches()) continue;
            out.add(h.group(2).toLowerCase(Locale.ROOT).replaceAll("[^\\p{L}\\p{N} _-]", "").replace(' ', '-'));
        }
        return out;
    }

    private static List<String> codeSpans(Path doc) {
        List<String> spans = new ArrayList<>();
        for (String line : lines(doc)) {
            Matcher code = CODE.matcher(line);
            while (code.find()) spans.add(code.group(1).strip());
        }
        return spans;
    }

    /**
     * {@code path} with each path parameter ({@code {name}}, {@code <name>} or {@code :name} as a
     * whole segment) replaced by {@code value}, so that it can be requested.
     */
    public static String withParameters(String path, String value) {
        return path.replaceAll("(?<=/)(\\{[^/}]+}|<[^/>]+>|:[^/]+)(?=/|$)", Matcher.quoteReplacement(value));
    }

    private static List<String> cells(String row) {
        List<String> cells = new ArrayList<>();
        StringBuilder cell = new StringBuilder();
        String body = row.strip();
        for (int i = 1; i < body.length(); i++) { // skip the leading '|'
            char c = body.charAt(i);
            if (c == '\\' && i + 1 < body.length() && body.charAt(i + 1) == '|') {
                cell.append("\\|"); // an escaped pipe belongs to the cell
                i++;
            } else if (c == '|') {
                cells.add(cell.toString());
                cell.setLength(0);
            } else {
                cell.append(c);
            }
        }
        if (cell.length() > 0) cells.add(cell.toString());
        if (cells.isEmpty()) cells.add("");
        return cells;
    }

    private static List<String> lines(Path doc) {
        try {
            return Files.readAllLines(doc);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}

package io.wkr.server.testing;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict parser of the Prometheus text exposition format (0.0.4), for tests: every sample must
 * belong to a family declared by a {@code # TYPE} line before it, names and labels must be well
 * formed, values must parse, no series may repeat, and histograms must be consistent (cumulative
 * buckets that never decrease, a {@code +Inf} bucket equal to {@code _count}).
 */
public final class PrometheusParser {
    private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
    private static final Pattern SAMPLE = Pattern.compile("([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})? (\\S+)( -?\\d+)?");
    private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\[\\\\\"n])*)\"(,|$)");

    private PrometheusParser() {}

    /** Parses and checks; returns series ({@code name{labels}} as written) to value. */
    public static Map<String, Double> parse(String text) {
        Map<String, String> types = new HashMap<>();
        Map<String, Double> series = new LinkedHashMap<>();
        int lineNo = 0;
        for (String line : text.split("\n", -1)) {
            lineNo++;
            if (line.isEmpty()) continue;
            if (line.startsWith("# TYPE ")) {
                String[] p = line.substring(7).split(" ");
                if (p.length != 2 || !NAME.matcher(p[0]).matches()) throw fail(lineNo, line, "bad TYPE line");
                if (!p[1].matches("counter|gauge|histogram|summary|untyped")) throw fail(lineNo, line, "unknown type");
                if (types.put(p[0], p[1]) != null) throw fail(lineNo, line, "family declared twice");
                continue;
            }
            if (line.startsWith("#")) continue;
            Matcher m = SAMPLE.matcher(line);
            if (!m.matches()) throw fail(lineNo, line, "not a sample line");
            String name = m.group(1);
            if (family(name, types) == null) throw fail(lineNo, line, "sample before its # TYPE line");
            Map<String, String> labels = new LinkedHashMap<>();
            if (m.group(3) != null && !m.group(3).isEmpty()) {
                Matcher l = LABEL.matcher(m.group(3));
                int at = 0;
                while (at < m.group(3).length()) {
                    if (!l.find(at) || l.start() != at) throw fail(lineNo, line, "bad labels");
                    if (labels.put(l.group(1), l.group(2)) != null) throw fail(lineNo, line, "label repeated");
                    at = l.end();
                }
            }
            double value;
            try {
                value = switch (m.group(4)) {
                    case "+Inf" -> Double.POSITIVE_INFINITY;
                    case "-Inf" -> Double.NEGATIVE_INFINITY;
                    case "NaN" -> Double.NaN;
                    default -> Double.parseDouble(m.group(4));
                };
            } catch (NumberFormatException e) {
                throw fail(lineNo, line, "bad value");
            }
            String key = name + (labels.isEmpty() ? "" : "{" + m.group(3) + "}");
            if (series.put(key, value) != null) throw fail(lineNo, line, "series repeated");
        }
        checkHistograms(types, series);
        return series;
    }

    private static String family(String name, Map<String, String> types) {
        if (types.containsKey(name)) return name;
        for (String suffix : new String[] {"_bucket", "_sum", "_count"}) {
            if (name.endsWith(suffix)) {
                String base = name.substring(0, name.length() - suffix.length());
                if ("histogram".equals(types.get(base))) return base;
            }
        }
        return null;
    }

    private static void checkHistograms(Map<String, String> types, Map<String, Double> series) {
        for (Map.Entry<String, String> t : types.entrySet()) {
            if (!t.getValue().equals("histogram")) continue;
            String base = t.getKey();
            double previous = -1;
            Double inf = null;
            for (Map.Entry<String, Double> s : series.entrySet()) {
                if (!s.getKey().startsWith(base + "_bucket{")) continue;
                if (s.getValue() < previous) throw new AssertionError(base + ": buckets decrease at " + s.getKey());
                previous = s.getValue();
                if (s.getKey().contains("le=\"+Inf\"")) inf = s.getValue();
            }
            Double count = series.get(base + "_count");
            if (inf == null || count == null || !inf.equals(count)) {
                throw new AssertionError(base + ": +Inf bucket " + inf + " != _count " + count);
            }
        }
    }

    private static AssertionError fail(int lineNo, String line, String why) {
        return new AssertionError("metrics line " + lineNo + ": " + why + ": " + line);
    }
}

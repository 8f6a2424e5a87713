package io.wkr.server.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@code /metrics} page as read by the reference parser: Debian's {@code
 * python3-prometheus-client} ({@code prometheus_client.parser.text_string_to_metric_families}),
 * which refuses what Prometheus would refuse (bad names, labels or values, samples outside their
 * family, a histogram without {@code +Inf}). Families are named as that parser names them: a
 * counter without its {@code _total}.
 */
public final class PrometheusScrape {
    private static final String PARSE = String.join("\n",
            "import json, sys",
            "from prometheus_client.parser import text_string_to_metric_families",
            "families = [{'name': f.name, 'type': f.type,",
            "             'samples': [{'name': s.name, 'labels': s.labels, 'value': s.value} for s in f.samples]}",
            "            for f in text_string_to_metric_families(sys.stdin.read())]",
            "print(json.dumps(families, allow_nan=False))");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One sample line. */
    public record Sample(String name, Map<String, String> labels, double value) {}

    /** One metric family. */
    public record Family(String name, String type, List<Sample> samples) {}

    private final Map<String, Family> families = new LinkedHashMap<>();

    private PrometheusScrape() {}

    /** Parses {@code text} with the Python client's parser; fails the test if it refuses it. */
    @SuppressWarnings("unchecked")
    public static PrometheusScrape parse(String text) throws IOException, InterruptedException {
        String json = DebianPython.run(PARSE, text.getBytes(StandardCharsets.UTF_8), Duration.ofSeconds(30));
        PrometheusScrape scrape = new PrometheusScrape();
        for (Map<String, Object> f : (List<Map<String, Object>>) JSON.readValue(json, List.class)) {
            List<Sample> samples = new ArrayList<>();
            for (Map<String, Object> s : (List<Map<String, Object>>) f.get("samples")) {
                samples.add(new Sample((String) s.get("name"), (Map<String, String>) s.get("labels"),
                        ((Number) s.get("value")).doubleValue()));
            }
            String name = (String) f.get("name");
            scrape.families.put(name, new Family(name, (String) f.get("type"), samples));
        }
        return scrape;
    }

    public Map<String, Family> families() {
        return families;
    }

    /**
     * The value of sample {@code name} with exactly the labels given as name, value pairs.
     *
     * @throws AssertionError when there is no such sample
     */
    public double value(String name, String... labels) {
        Map<String, String> want = new LinkedHashMap<>();
        for (int i = 0; i < labels.length; i += 2) want.put(labels[i], labels[i + 1]);
        for (Family f : families.values()) {
            for (Sample s : f.samples()) {
                if (s.name().equals(name) && s.labels().equals(want)) return s.value();
            }
        }
        throw new AssertionError("no sample " + name + want + " in " + families.keySet());
    }
}

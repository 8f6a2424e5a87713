package io.wkr.server.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** Checks of a parsed {@code /metrics} page that hold for every server. */
public final class MetricsChecks {
    private MetricsChecks() {}

    /**
     * Every family docs/http.md ("## Metrics") lists is on the page with its type and its labels,
     * and the page has no other.
     */
    public static void documentedFamiliesOnly(PrometheusScrape page) throws IOException {
        Map<String, String> types = new TreeMap<>();
        Map<String, Set<String>> labels = new TreeMap<>();
        for (DocTables.Row row : DocTables.rows("http.md", "## Metrics")) {
            String type = row.cells().get(1);
            for (String written : row.code(0)) {
                int brace = written.indexOf('{');
                String name = brace < 0 ? written : written.substring(0, brace);
                // the parser names a counter's family without its _total
                String family = type.equals("counter") ? name.replaceFirst("_total$", "") : name;
                types.put(family, type);
                labels.put(family, brace < 0 ? Set.of()
                        : new HashSet<>(Arrays.asList(written.substring(brace + 1, written.length() - 1).split(","))));
            }
        }
        Map<String, String> served = new TreeMap<>();
        page.families().forEach((name, f) -> served.put(name, f.type()));
        assertThat(served).as("the families on /metrics and their types, against docs/http.md").isEqualTo(types);
        page.families().forEach((name, f) -> {
            for (PrometheusScrape.Sample s : f.samples()) {
                Set<String> have = new HashSet<>(s.labels().keySet());
                have.remove("le");
                assertThat(have).as("labels of " + s.name() + " (docs/http.md)").isEqualTo(labels.get(name));
            }
        });
    }

    /**
     * Every histogram has its buckets in ascending order ending with {@code +Inf}, cumulative (never
     * decreasing), the {@code +Inf} bucket equal to {@code _count}, and a sum that is not negative.
     */
    public static void histogramsConsistent(PrometheusScrape page) {
        page.families().values().stream().filter(f -> f.type().equals("histogram")).forEach(f -> {
            List<double[]> buckets = new ArrayList<>(); // {le, count} in page order
            double count = Double.NaN;
            double sum = Double.NaN;
            for (PrometheusScrape.Sample s : f.samples()) {
                if (s.name().equals(f.name() + "_bucket")) {
                    String le = s.labels().get("le");
                    double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
                    buckets.add(new double[] {bound, s.value()});
                } else if (s.name().equals(f.name() + "_count")) {
                    count = s.value();
                } else if (s.name().equals(f.name() + "_sum")) {
                    sum = s.value();
                }
            }
            assertThat(buckets).as(f.name() + " buckets").isNotEmpty();
            for (int i = 1; i < buckets.size(); i++) {
                assertThat(buckets.get(i)[0]).as(f.name() + " bounds ascend").isGreaterThan(buckets.get(i - 1)[0]);
                assertThat(buckets.get(i)[1]).as(f.name() + " buckets are cumulative")
                        .isGreaterThanOrEqualTo(buckets.get(i - 1)[1]);
            }
            double[] last = buckets.get(buckets.size() - 1);
            assertThat(last[0]).as(f.name() + " ends with +Inf").isInfinite();
            assertThat(last[1]).as(f.name() + " +Inf bucket = _count").isEqualTo(count);
            assertThat(sum).as(f.name() + "_sum").isGreaterThanOrEqualTo(0);
        });
    }
}

package io.wkr.server.cli;

import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * Options of the original that wkr accepts so old command lines still start, but ignores: its
 * Flask/FastAPI HTTP proxy (wkr serves HTTP itself on {@code -http_port}). Each one given is named in a warning.
 */
public final class LegacyOptions {

    @Option(names = "-http_new", hidden = true)
    Boolean httpNew;

    @Option(names = "-http_max_connect", paramLabel = "N", hidden = true)
    Integer httpMaxConnect;

    @Option(names = "-http_concurent_retry_num", paramLabel = "N", hidden = true)
    Integer httpConcurentRetryNum;

    @Option(names = "-http_concurent_retry_gap", paramLabel = "S", hidden = true)
    Double httpConcurentRetryGap;

    @Option(names = "-http_stat_dashboard", paramLabel = "DIR", hidden = true)
    String httpStatDashboard;


    /** The ignored options that were given, each with the reason, for a warning. */
    public List<String> givenAndIgnored() {
        List<String> out = new ArrayList<>();
        String proxy = "wkr serves HTTP itself on -http_port, without a client pool";
        add(out, httpNew, "-http_new", "wkr has one HTTP server");
        add(out, httpMaxConnect, "-http_max_connect", proxy);
        add(out, httpConcurentRetryNum, "-http_concurent_retry_num", proxy);
        add(out, httpConcurentRetryGap, "-http_concurent_retry_gap", proxy);
        add(out, httpStatDashboard, "-http_stat_dashboard", "the dashboard is built in and served on -http_port");
        return out;
    }

    private static void add(List<String> out, Object value, String option, String why) {
        if (value != null) out.add(option + " is ignored: " + why);
    }
}

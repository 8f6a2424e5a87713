package io.wkr.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code -http_fetch_hosts} (and its long spelling) fills {@code ServerConfig.httpFetchHosts}. */
class FetchHostsOptionTest {

    private static ServingStart parse(String... args) {
        ServingStart start = new ServingStart();
        Cli.commandLine(start).parseArgs(args);
        return start;
    }

    @Test
    void shouldSplitTheCommaSeparatedHostsAndDefaultToNone() {
        assertThat(parse("my.Worker", "-http_fetch_hosts", "images.example.com, 127.0.0.1,,*.cdn.example")
                .options.toConfig().httpFetchHosts()).containsExactly("images.example.com", "127.0.0.1", "*.cdn.example");
        assertThat(parse("my.Worker", "--http-fetch-hosts", "*").options.toConfig().httpFetchHosts()).isEqualTo(List.of("*"));
        assertThat(parse("my.Worker").options.toConfig().httpFetchHosts()).isEmpty();
    }
}

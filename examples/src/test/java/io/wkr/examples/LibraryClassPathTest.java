package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import org.junit.jupiter.api.Test;

/**
 * This module uses {@code wkr-server} and {@code wkr-client} the way an application does: as plain
 * Maven dependencies, declaring no CLI library of its own (it declares only Logback, as an
 * application picks its logging binding). So its test class path is a library user's: picocli,
 * which {@code wkr-client}'s load generator and {@code wkr-server}'s launchers use, must not arrive
 * through either ({@code docs/architecture.md}, "Modules"). {@code wkr-client}'s
 * LibraryDependenciesTest checks the POMs themselves, HdrHistogram and logging included.
 */
class LibraryClassPathTest {

    @Test
    void shouldNotGetPicocliFromWkrClientOrWkrServer() throws ClassNotFoundException {
        ClassLoader loader = getClass().getClassLoader();
        // wkr-client with its load generator, wkr-server and their real dependencies are here, so
        // picocli's absence below means something
        assertThat(Class.forName("io.wkr.client.WKRClient", false, loader)).isNotNull();
        assertThat(loader.getResource("io/wkr/client/bench/Bench.class")).as("wkr-client's load generator").isNotNull();
        assertThat(Class.forName("io.wkr.server.WKRServer", false, loader)).isNotNull();
        assertThat(loader.getResource("io/wkr/server/cli/ServingStart.class")).as("wkr-server's launchers").isNotNull();
        assertThat(Class.forName("org.zeromq.ZMQ", false, loader)).isNotNull();
        URL picocli = loader.getResource("picocli/CommandLine.class");
        assertThat(picocli).as("picocli must not reach a library user of wkr-client or wkr-server (mark it "
                + "<optional>true</optional> where they declare it); it came in as %s", picocli).isNull();
        assertThatThrownBy(() -> Class.forName("picocli.CommandLine", false, loader))
                .isInstanceOf(ClassNotFoundException.class);
    }
}

package io.wkr.decentral;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.testing.TestUnits;
import io.wkr.server.testing.Docs;
import io.wkr.server.testing.DocumentedRoutes;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route {@code docs/decentral.md} names ({@code `GET /status`} ...) exists on a real
 * central's HTTP port (ephemeral): each answers something other than 404.
 */
@Timeout(60)
class DecentralHttpDocsTest {
    @TempDir Path dir;
    private WKRDecentralizeCentral central;

    @AfterEach
    void stop() {
        if (central != null) central.close();
    }

    @Test
    void shouldAnswerEveryRouteDecentralMdNamesWithSomethingOtherThan404() throws Exception {
        List<Docs.Route> routes = Docs.routes(Docs.doc("decentral.md"));
        assertThat(routes).as("routes decentral.md names").contains(new Docs.Route("GET", "/status"));
        // Addresses only: idle units never connect to them.
        DecentralConfig config = DecentralConfig.builder(List.of(new RemoteServer("127.0.0.1", 5001, 5002)))
                .numClient(1).controlPort(0).httpPort(0).tokenFile(dir.resolve("control.token"))
                .stopTimeout(Duration.ofSeconds(5)).build();
        central = new WKRDecentralizeCentral(config, TestUnits.Idle::new);
        central.start();
        DocumentedRoutes.assertNoneIsUnknown(URI.create("http://127.0.0.1:" + central.httpPort()), routes,
                "decentral.md");
    }
}

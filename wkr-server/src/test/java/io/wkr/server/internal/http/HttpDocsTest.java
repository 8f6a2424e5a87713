package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.WKRServer;
import io.wkr.server.testing.Docs;
import io.wkr.server.testing.DocumentedRoutes;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.TestServers;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route {@code docs/http.md} names ({@code `GET /status`} ...) and its {@code HEAD} twin
 * for a {@code GET}, and every route and asset file {@code docs/dashboard.md} names, exists on a real server with HTTP on an ephemeral port: each
 * answers something other than 404. A route removed from the code, or one the docs invent, fails.
 */
@Timeout(60)
class HttpDocsTest {
    @TempDir Path dir;
    private WKRServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    @Test
    void shouldAnswerEveryRouteTheHttpAndDashboardDocsNameWithSomethingOtherThan404() throws Exception {
        List<Docs.Route> routes = new ArrayList<>(Docs.routes(Docs.doc("http.md")));
        assertThat(routes).as("the route table of http.md").contains(new Docs.Route("GET", "/health"),
                new Docs.Route("POST", "/encode"));
        // http.md: "The GET routes also answer HEAD".
        routes.addAll(routes.stream().filter(r -> r.method().equals("GET")).map(r -> new Docs.Route("HEAD", r.path()))
                .toList());
        routes.addAll(Docs.routes(Docs.doc("dashboard.md")));
        routes.addAll(Docs.files(Docs.doc("dashboard.md")));
        // the docs write the model as {m}, which the check makes "1": the model is named so
        server = TestServers.start(TestServers.config(dir).modelName("1").httpPort(0).build(), EchoTestWorker::new);
        DocumentedRoutes.assertNoneIsUnknown(URI.create("http://127.0.0.1:" + server.httpPort()),
                routes.stream().distinct().toList(), "http.md and dashboard.md");
    }
}

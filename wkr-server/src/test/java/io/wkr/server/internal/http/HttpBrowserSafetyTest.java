package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.HttpCalls.errorCode;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.testing.TestServers;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * What a web page in a visitor's browser can make the server do: no model runs from a page of
 * another origin (403, and 415 for the body types a page can send without a CORS preflight), and
 * with {@code -http_allowed_hosts} no answer to a Host the server does not know (421, DNS
 * rebinding).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpBrowserSafetyTest extends ScriptedHttpServer {

    private HttpResponse<String> post(String path, String body, String... headers) throws Exception {
        return http.send("POST", path, body.getBytes(StandardCharsets.UTF_8), headers);
    }

    @Test
    void bodiesAPageCanSendWithoutAPreflightAre415UnlessAllowed() throws Exception {
        start(TestServers.config(dir));
        for (String type : List.of("text/plain", "text/plain;charset=UTF-8", "TEXT/PLAIN", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x")) {
            for (String path : List.of("/encode", "/encode/file")) {
                HttpResponse<String> r = post(path, "\"from a form " + type + "\"", "Content-Type", type);
                assertThat(r.statusCode()).as(path + " " + type).isEqualTo(415);
                assertThat(errorCode(r)).isEqualTo("BAD_REQUEST");
                assertThat(r.body()).contains("-http_allow_form_bodies");
            }
        }
        assertThat(controls.seen).isEmpty();
        assertThat(post("/encode", "\"json\"", "Content-Type", "application/json").statusCode()).isEqualTo(200);
        assertThat(post("/encode/file", "raw", "Content-Type", "application/octet-stream").statusCode()).isEqualTo(200);
        assertThat(post("/encode", "\"no type\"").statusCode()).isEqualTo(200);
        server.close();

        start(TestServers.config(dir).httpAllowFormBodies(true));
        HttpResponse<String> allowed = post("/encode", "\"plain\"", "Content-Type", "text/plain");
        assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
        assertThat(allowed.body()).contains("plain");
    }

    @Test
    void pagesOfOtherOriginsAre403AndNeverReachTheModel() throws Exception {
        start(TestServers.config(dir).corsOrigins(List.of("http://dash.example")));
        String own = "http://127.0.0.1:" + server.httpPort();
        for (String origin : List.of("http://evil.example", "null", "http://127.0.0.1:1", "https://dash.example",
                "http://127.0.0.1:" + server.httpPort() + ".evil.example")) {
            HttpResponse<String> r = post("/encode", "\"" + origin + "\"", "Origin", origin, "Content-Type", "application/json");
            assertThat(r.statusCode()).as(origin).isEqualTo(403);
            assertThat(errorCode(r)).isEqualTo("UNAUTHORIZED");
            assertThat(r.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
        }
        assertThat(controls.seen).isEmpty();
        assertThat(post("/encode", "\"same\"", "Origin", own, "Content-Type", "application/json").statusCode()).isEqualTo(200);
        HttpResponse<String> listed = post("/encode", "\"listed\"", "Origin", "http://dash.example",
                "Content-Type", "application/json");
        assertThat(listed.statusCode()).isEqualTo(200);
        assertThat(listed.headers().firstValue("Access-Control-Allow-Origin")).hasValue("http://dash.example");
        assertThat(controls.seen).containsExactlyInAnyOrder("same", "listed");
        assertThat(http.counter("received") - http.counter("succeeded")).isEqualTo(5);
    }

    @Test
    void unknownHostsAre421WithAllowedHosts() throws Exception {
        start(TestServers.config(dir).httpAllowedHosts(List.of("wkr.example", "127.0.0.1")));
        int port = server.httpPort();
        String body = "\"rebound\"";
        String head = "POST /encode HTTP/1.1\nContent-Type: application/json\nContent-Length: " + body.length() + "\nHost: ";
        for (String host : List.of("evil.example", "evil.example:" + port, "wkr.example.evil.example", "localhost:" + port)) {
            RawHttp.Answer r = RawHttp.exchange(port, head + host, body.getBytes(StandardCharsets.UTF_8));
            assertThat(r.status()).as(host).isEqualTo(421);
            assertThat(r.header("Content-Type")).startsWith("application/json");
            assertThat(errorCode(r.body())).isEqualTo("BAD_REQUEST");
        }
        assertThat(RawHttp.exchange(port, "GET /status HTTP/1.1\nHost: evil.example", null).status()).isEqualTo(421);
        assertThat(controls.seen).isEmpty();
        for (String host : List.of("wkr.example", "WKR.example:" + port, "127.0.0.1:" + port)) {
            assertThat(RawHttp.exchange(port, head + host, body.getBytes(StandardCharsets.UTF_8)).status()).as(host).isEqualTo(200);
        }
        // probes reach /health by address
        assertThat(RawHttp.exchange(port, "GET /health HTTP/1.1\nHost: 10.1.2.3:" + port, null).status()).isEqualTo(200);
    }
}

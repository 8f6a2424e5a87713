package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import io.wkr.protocol.Protocol;
import io.wkr.server.testing.TestServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The original proxy's routes ({@code /status/server}, {@code /status/client}, {@code
 * /encode_json}, {@code /encode_img_bytes}, {@code /v1/encode_img_bytes}, {@code /encode_img_url},
 * the form {@code /encode}) answer on a real server, in the original's {@code {"error_code",
 * "error_message", "data"}} envelope with real HTTP statuses on errors (docs/http.md).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class LegacyRoutesTest extends ScriptedHttpServer {
    static final byte[] PNG = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'};
    static final String BOUNDARY = "wkrTestBoundary7";

    @Test
    void shouldAnswerStatusServerWithTheShowConfigDocumentAndStatusClientWithTheHttpSidesCounters() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> server1 = http.get("/status/server");
        assertThat(server1.statusCode()).isEqualTo(200);
        Map<String, Object> doc = HttpCalls.json(server1);
        assertThat(doc).containsEntry("client", "http").containsEntry("server_version", "2.1.0")
                .containsEntry("protocol", "obj");
        assertThat(doc.keySet()).containsAll(HttpCalls.json(http.get("/status")).keySet());

        assertThat(http.post("/encode_json", "{\"a\": 1}", "Content-Type", "application/json").statusCode()).isEqualTo(200);
        assertThat(http.post("/encode", "\"b\"").statusCode()).isEqualTo(200);
        Map<String, Object> client = HttpCalls.json(http.get("/status/client"));
        assertThat(client).containsEntry("identity", "http").containsEntry("num_request", 2)
                .containsEntry("num_pending_request", 0).containsEntry("port", server.portIn())
                .containsEntry("port_out", server.portOut()).containsEntry("client_version", "2.1.0")
                .containsEntry("timeout", -1);
        assertThat(http.send("HEAD", "/status/server", null).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswerEncodeJsonInTheOriginalEnvelopeWithRealStatusesOnErrors() throws Exception {
        start(TestServers.config(dir));
        HttpResponse<String> ok = http.post("/encode_json", "{\"a\": [1, 2]}", "Content-Type", "application/json");
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(HttpCalls.json(ok)).isEqualTo(Map.of("error_code", 0, "error_message", "Success.",
                "data", Map.of("a", List.of(1, 2))));

        assertLegacyError(http.post("/encode_json", "\"boom\"", "Content-Type", "application/json"), 500, "boom requested");
        assertLegacyError(http.post("/encode_json", "{not json", "Content-Type", "application/json"), 400, "not valid JSON");
        HttpResponse<String> get = http.get("/encode_json");
        assertLegacyError(get, 405, "use POST");
        assertThat(get.headers().firstValue("Allow")).hasValue("POST, OPTIONS");
        assertLegacyError(http.post("/encode_json", "{}", "Content-Type", "text/plain"), 415, "-http_allow_form_bodies");
        // every POST counted, and answered once
        assertThat(http.counter("received")).isEqualTo(4);
        assertThat(http.counter("succeeded") + http.counter("failed")).isEqualTo(4);
    }

    @Test
    void shouldTakeTheImgBytesFieldOfAFormOnBothImageRoutesWhenFormBodiesAreAllowed() throws Exception {
        start(TestServers.config(dir).httpAllowFormBodies(true));
        for (String path : List.of("/encode_img_bytes", "/v1/encode_img_bytes")) {
            HttpResponse<String> r = http.send("POST", path, form("img_bytes", "cat.png", PNG), "Content-Type",
                    "multipart/form-data; boundary=" + BOUNDARY);
            assertThat(r.statusCode()).as(path + " " + r.body()).isEqualTo(200);
            Map<String, Object> body = HttpCalls.json(r);
            assertThat(body).containsEntry("error_code", 0)
                    .containsEntry("error_message", path.startsWith("/v1") ? "Successful." : "Success.")
                    .containsEntry("data", Map.of("content_type", "image/png", "base64",
                            Base64.getEncoder().encodeToString(PNG)));
            assertLegacyError(http.send("POST", path, form("file", "cat.png", PNG), "Content-Type",
                    "multipart/form-data; boundary=" + BOUNDARY), 400, "img_bytes");
        }
        assertLegacyError(http.send("POST", "/v1/encode_img_bytes", form("img_bytes", "x.txt", "text".getBytes(
                StandardCharsets.UTF_8)), "Content-Type", "multipart/form-data; boundary=" + BOUNDARY), 400,
                "Wrong input file type, only accept jpg or png image");
        HttpResponse<String> any = http.send("POST", "/encode_img_bytes", form("img_bytes", "x.txt", "text".getBytes(
                StandardCharsets.UTF_8)), "Content-Type", "multipart/form-data; boundary=" + BOUNDARY);
        assertThat(any.statusCode()).isEqualTo(200);
        assertLegacyError(http.send("POST", "/encode_img_bytes", new byte[0], "Content-Type", "application/octet-stream"),
                400, "empty");
    }

    @Test
    void shouldRefuseFormsOnTheImageRoutesWithoutTheFlagButTakeTheRawBody() throws Exception {
        start(TestServers.config(dir));
        assertLegacyError(http.send("POST", "/encode_img_bytes", form("img_bytes", "cat.png", PNG), "Content-Type",
                "multipart/form-data; boundary=" + BOUNDARY), 415, "-http_allow_form_bodies");
        HttpResponse<String> raw = http.send("POST", "/v1/encode_img_bytes", PNG, "Content-Type", "image/png");
        assertThat(raw.statusCode()).as(raw.body()).isEqualTo(200);
        assertThat(HttpCalls.json(raw)).containsEntry("error_message", "Successful.");
        assertThat(controls.seen).hasSize(1);
    }

    @Test
    void shouldRefuseEncodeImgUrlWhenFetchingIsOffSayingHowToEnableIt() throws Exception {
        start(TestServers.config(dir));
        assertLegacyError(http.post("/encode_img_url", "{\"img_url\": \"http://127.0.0.1:1/cat.png\"}", "Content-Type",
                "application/json"), 403, "-http_fetch_hosts");
        assertThat(controls.seen).isEmpty();
        assertThat(http.counter("received")).isEqualTo(1);
        assertThat(http.counter("failed")).isEqualTo(1);
    }

    @Test
    void shouldPassTheImgUrlOfALegacyFormEncodeOnAsTheUrlString() throws Exception {
        start(TestServers.config(dir).httpAllowFormBodies(true));
        HttpResponse<String> r = http.post("/encode", "img_url=http%3A%2F%2Fimages.example%2Fcat.png&x=1", "Content-Type",
                "application/x-www-form-urlencoded");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(HttpCalls.json(r)).containsEntry("result", "http://images.example/cat.png");
        HttpResponse<String> multipart = http.send("POST", "/encode", form("img_url", null,
                "http://images.example/dog.png".getBytes(StandardCharsets.UTF_8)), "Content-Type",
                "multipart/form-data; boundary=" + BOUNDARY);
        assertThat(HttpCalls.json(multipart)).containsEntry("result", "http://images.example/dog.png");
        HttpResponse<String> none = http.post("/encode", "x=1", "Content-Type", "application/x-www-form-urlencoded");
        assertThat(none.statusCode()).isEqualTo(400);
        assertThat(HttpCalls.errorCode(none)).isEqualTo("BAD_REQUEST");
        // JSON on /encode stays wkr's: the value itself is the input
        assertThat(HttpCalls.json(http.post("/encode", "{\"img_url\": \"u\"}", "Content-Type", "application/json")))
                .containsEntry("result", Map.of("img_url", "u"));
    }

    @Test
    void shouldPassImageBytesAsAUint8TensorOnANumpyServerAndAskForTheTokenInTheEnvelope() throws Exception {
        start(TestServers.config(dir).protocol(Protocol.NUMPY).httpToken("s3cret"));
        assertLegacyError(http.send("POST", "/encode_img_bytes", PNG, "Content-Type", "image/png"), 401, "Bearer");
        HttpResponse<String> r = http.send("POST", "/encode_img_bytes", PNG, "Content-Type", "image/png",
                "Authorization", "Bearer s3cret");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        @SuppressWarnings("unchecked")
        Map<String, Object> data = (Map<String, Object>) HttpCalls.json(r).get("data");
        assertThat(data).containsEntry("dtype", "uint8").containsEntry("shape", List.of(PNG.length));
        assertThat(http.get("/status/client").statusCode()).isEqualTo(401);
        assertThat(http.get("/status/server", "Authorization", "Bearer s3cret").statusCode()).isEqualTo(200);
    }

    /** An error in the original's envelope: error_code = the HTTP status, data {}. */
    static void assertLegacyError(HttpResponse<String> r, int status, String messagePart) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
        Map<String, Object> body = HttpCalls.json(r);
        assertThat(body.keySet()).containsExactly("error_code", "error_message", "data");
        assertThat(body).containsEntry("error_code", status).containsEntry("data", Map.of());
        assertThat((String) body.get("error_message")).contains(messagePart);
    }

    /** A multipart/form-data body with one part (a file part when {@code fileName} is not null). */
    static byte[] form(String field, String fileName, byte[] content) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String head = "--" + BOUNDARY + "\r\nContent-Disposition: form-data; name=\"" + field + "\""
                + (fileName == null ? "" : "; filename=\"" + fileName + "\"\r\nContent-Type: application/octet-stream")
                + "\r\n\r\n";
        out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
        out.writeBytes(content);
        out.writeBytes(("\r\n--" + BOUNDARY + "--\r\n").getBytes(StandardCharsets.UTF_8));
        return out.toByteArray();
    }
}

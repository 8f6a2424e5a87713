package io.wkr.server.internal.http;

import io.wkr.server.cli.ServingStart;
import io.wkr.server.testing.CliProcess;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.testing.EchoTestWorker;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bodies within {@code -max_request_bytes} (16 MiB) that decode into much more, sent to a real
 * server with the launcher's 192 MB heap, several at once: each is answered (200, or 400, 413 or
 * 429 when it cannot be held), and the server keeps serving and does not exit. Before bodies were
 * read as streams and charged to the memory budget, a 15 MB {@code [1,1,...]} exhausted this
 * heap.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class HttpHeapTest {
    private static final int CONCURRENT = 4;
    private static final int ROUNDS = 3;
    @TempDir Path dir;

    /** A JSON array of {@code n} copies of {@code element}: about 15 MB. */
    private static byte[] array(String element) {
        int n = 15_000_000 / (element.length() + 1);
        byte[] e = (element + ",").getBytes(StandardCharsets.US_ASCII);
        byte[] body = new byte[n * e.length + 1];
        body[0] = '[';
        for (int i = 0; i < n; i++) System.arraycopy(e, 0, body, 1 + i * e.length, e.length);
        body[body.length - 1] = ']'; // replaces the last comma
        return body;
    }

    /** Sends {@code body} CONCURRENT at a time, ROUNDS times; returns the count of each status. */
    private static Map<Integer, Integer> flood(HttpCalls http, byte[] body) throws Exception {
        Map<Integer, Integer> answers = new TreeMap<>();
        for (int round = 0; round < ROUNDS; round++) {
            List<CompletableFuture<HttpResponse<String>>> calls = new ArrayList<>();
            for (int i = 0; i < CONCURRENT; i++) {
                calls.add(http.sendAsync("POST", "/encode", body, "Content-Type", "application/json"));
            }
            for (CompletableFuture<HttpResponse<String>> c : calls) {
                HttpResponse<String> r = c.get(120, TimeUnit.SECONDS);
                answers.merge(r.statusCode(), 1, Integer::sum);
            }
        }
        System.out.println("HttpHeapTest: " + body.length + " bytes x " + CONCURRENT * ROUNDS + ": " + answers);
        return answers;
    }

    private static void assertStillServing(CliProcess server, HttpCalls http, String input, String output) throws Exception {
        assertThat(server.running()).as(server.output()).isTrue();
        assertThat(http.get("/health").statusCode()).isEqualTo(200);
        // the flood's last replies may still be on their way out, holding reply budget; a request
        // sent before they are written would rightly be told OVERLOADED
        io.wkr.server.testing.Await.until(() -> section(http, "replies").get("waiting_bytes").longValue() == 0,
                Duration.ofSeconds(30), "the reply budget empty again");
        HttpResponse<String> r = http.send("POST", "/encode", input.getBytes(StandardCharsets.UTF_8),
                "Content-Type", "application/json");
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(r.body()).contains(output);
        assertThat(server.output()).doesNotContain("OutOfMemoryError");
        // every byte the requests held is given back, and the budget was never exceeded
        io.wkr.server.testing.Await.until(() -> queue(http).get("bytes").longValue() == 0, Duration.ofSeconds(30),
                "the memory budget empty again");
        assertThat(queue(http).get("peak_bytes").longValue()).isLessThanOrEqualTo(queue(http).get("max_bytes").longValue());
    }

    private static Map<String, Number> queue(HttpCalls http) {
        return section(http, "queue");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Number> section(HttpCalls http, String key) {
        try {
            Map<String, Object> status = new com.fasterxml.jackson.databind.ObjectMapper().readValue(http.get("/status").body(),
                    Map.class);
            return (Map<String, Number>) status.get(key);
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void fifteenMegabytesOfOnesToANumpyServer() throws Exception {
        try (CliProcess server = CliProcess.start(dir, CliProcess.LAUNCHER_JVM, ServingStart.class,
                EchoTestWorker.class.getName(), "-ip", "127.0.0.1", "-port_in", "0", "-port_out", "0", "-http_port", "0",
                "-token_file", dir.resolve("admin.token").toString(), "-protocol", "numpy")) {
            HttpCalls http = new HttpCalls(server.awaitHttpPort(Duration.ofSeconds(60)));
            Map<Integer, Integer> answers = flood(http, array("1"));
            assertThat(answers.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(CONCURRENT * ROUNDS);
            // the echo of a 30 MB float32 tensor is some 30 MB of JSON: more than the reply budget
            // (-max_reply_bytes, 24 MiB of this heap) can ever hold, so a result is a 500, not an OOM
            assertThat(answers.keySet()).as(answers.toString()).isSubsetOf(200, 400, 413, 429, 500);
            assertStillServing(server, http, "[1, 2]", "\"data\":[1.0,2.0]");
            // 75 MB with its tensor: it does not fit the queue budget (413), or its echo and the echo's JSON
            // cannot be held (500)
            Map<Integer, Integer> wide = flood(http, floatSixtyFour());
            assertThat(wide.keySet()).as(wide.toString()).isSubsetOf(200, 400, 413, 429, 500);
            assertStillServing(server, http, "[3]", "\"data\":[3.0]");
        }
    }

    /** {"dtype": "float64", "data": [1,1,...]}: 8 bytes per 2 of body, the widest a body decodes to. */
    private static byte[] floatSixtyFour() {
        byte[] ones = array("1");
        byte[] head = "{\"dtype\": \"float64\", \"data\": ".getBytes(StandardCharsets.US_ASCII);
        byte[] body = Arrays.copyOf(head, head.length + ones.length + 1);
        System.arraycopy(ones, 0, body, head.length, ones.length);
        body[body.length - 1] = '}';
        return body;
    }

    @Test
    void fifteenMegabytesOfSmallValuesToAnObjServer() throws Exception {
        try (CliProcess server = CliProcess.start(dir, CliProcess.LAUNCHER_JVM, ServingStart.class,
                EchoTestWorker.class.getName(), "-ip", "127.0.0.1", "-port_in", "0", "-port_out", "0", "-http_port", "0",
                "-token_file", dir.resolve("admin.token").toString(), "-protocol", "obj")) {
            HttpCalls http = new HttpCalls(server.awaitHttpPort(Duration.ofSeconds(60)));
            for (String element : List.of("{}", "[]", "\"\"", "1000")) {
                Map<Integer, Integer> answers = flood(http, array(element));
                assertThat(answers.values().stream().mapToInt(Integer::intValue).sum()).isEqualTo(CONCURRENT * ROUNDS);
                assertThat(answers.keySet()).as(element + " " + answers).isSubsetOf(200, 400, 413, 429);
                assertStillServing(server, http, "{\"after\": " + element + "}", "\"after\"");
            }
        }
    }
}

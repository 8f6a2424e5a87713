package io.wkr.decentral;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.testing.TestUnits;
import io.wkr.protocol.internal.Json;
import io.wkr.server.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** The central's control socket, HTTP status and unit supervision. */
@Timeout(60)
class ControlTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    /** Addresses only: the test units never connect anywhere. */
    private static final List<RemoteServer> SERVERS = List.of(new RemoteServer("127.0.0.1", 5001, 5002),
            new RemoteServer("127.0.0.1", 5003, 5004));

    @TempDir Path dir;
    private final ZContext zmq = new ZContext(1);
    private WKRDecentralizeCentral central;

    @AfterEach
    void close() {
        if (central != null) central.close();
        zmq.close();
    }

    private WKRDecentralizeCentral start(DecentralConfig.Builder config, java.util.function.Supplier<WKRWorker<?>> units) {
        central = new WKRDecentralizeCentral(config.tokenFile(dir.resolve("control.token")).build(), units);
        central.start();
        return central;
    }

    private DecentralConfig.Builder config() {
        return DecentralConfig.builder(SERVERS).numClient(2).controlPort(0)
                .restartBackoff(Duration.ofMillis(20), Duration.ofMillis(200)).stopTimeout(Duration.ofSeconds(5));
    }

    private String token() throws Exception {
        return Files.readString(central.tokenFile()).strip();
    }

    private ZMQ.Socket socket(SocketType type) {
        ZMQ.Socket s = zmq.createSocket(type);
        s.setLinger(0);
        s.setReceiveTimeOut((int) WAIT.toMillis());
        s.connect("tcp://127.0.0.1:" + central.controlPort());
        return s;
    }

    /** Sends {@code frames} from a DEALER (with the REQ-style empty delimiter) and returns the JSON reply. */
    private Map<String, Object> dealer(ZMQ.Socket s, String... frames) {
        s.send(new byte[0], ZMQ.SNDMORE);
        for (int i = 0; i < frames.length; i++) s.send(frames[i].getBytes(StandardCharsets.UTF_8), i < frames.length - 1 ? ZMQ.SNDMORE : 0);
        byte[] delimiter = s.recv(0);
        assertThat(delimiter).as("a reply within " + WAIT).isNotNull().isEmpty();
        return Json.parseObject(s.recv(0));
    }

    private Map<String, Object> request(String command, Map<String, Object> args) {
        ZMQ.Socket req = socket(SocketType.REQ);
        try {
            req.send(command, ZMQ.SNDMORE);
            req.send(Json.writeBytes(args), 0);
            byte[] reply = req.recv(0);
            assertThat(reply).as("a reply to " + command).isNotNull();
            return Json.parseObject(reply);
        } finally {
            req.close();
        }
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> units(Map<String, Object> status) {
        return (List<Map<String, Object>>) status.get("units");
    }

    private static List<CentralStatus.Unit> units(CentralStatus status) {
        return status.units();
    }

    @Test
    void shouldAnswerStatusOnTheSocketThatAsked() {
        start(config(), TestUnits.Idle::new);
        ZMQ.Socket a = socket(SocketType.DEALER);
        ZMQ.Socket b = socket(SocketType.REQ);
        b.send("SHOW_CONFIG", ZMQ.SNDMORE);
        b.send("", 0);
        Map<String, Object> first = dealer(a, "STATUS", "{}");
        Map<String, Object> second = Json.parseObject(b.recv(0));
        for (Map<String, Object> s : List.of(first, second)) {
            assertThat(s).containsEntry("ok", true).containsEntry("number_client_per_server", 2L)
                    .containsEntry("port", (long) central.controlPort())
                    .containsEntry("remote_servers", List.of(List.of("127.0.0.1", 5001L, 5002L), List.of("127.0.0.1", 5003L, 5004L)));
            assertThat(units(s)).hasSize(4);
        }
        Await.until(() -> units(central.status()).stream().allMatch(u -> u.state() == UnitState.RUNNING), WAIT,
                "all units running");
    }

    @Test
    void shouldAnswerMalformedRequestsWithAnErrorAndKeepRunning() throws Exception {
        start(config(), TestUnits.Idle::new);
        ZMQ.Socket s = socket(SocketType.DEALER);
        String token = token();
        assertThat(dealer(s, "SHOW_CONFIG")).containsEntry("ok", false).extractingByKey("error").asString().contains("2 frames");
        assertThat(dealer(s, "SHOW_CONFIG", "{}", "extra")).containsEntry("ok", false);
        assertThat(dealer(s, "SWITCH", "{not json")).containsEntry("ok", false).extractingByKey("error").asString()
                .contains("not a JSON object");
        assertThat(dealer(s, "SWITCH", "{\"token\":\"" + token + "\",\"remote_servers\":\"x\"}"))
                .containsEntry("ok", false).extractingByKey("error").asString().contains("non-empty list");
        assertThat(dealer(s, "SWITCH", "{\"token\":\"" + token + "\",\"remote_servers\":[[\"h\",1]]}"))
                .containsEntry("ok", false).extractingByKey("error").asString().contains("bad remote server");
        assertThat(dealer(s, "SWITCH", "{\"token\":\"" + token + "\",\"number_clients\":\"many\"}"))
                .containsEntry("ok", false);
        assertThat(dealer(s, "FLY", "{\"token\":\"" + token + "\"}")).containsEntry("ok", false)
                .extractingByKey("error").asString().contains("unknown command");
        assertThat(dealer(s, "STATUS", "")).containsEntry("ok", true).containsEntry("state", "RUNNING");
        assertThat(units(central.status())).hasSize(4);
    }

    @Test
    void shouldRefuseUnknownArgumentsAndOversizedRequestsAndKeepRunning() throws Exception {
        start(config(), TestUnits.Idle::new);
        ZMQ.Socket s = socket(SocketType.DEALER);
        String token = token();
        assertThat(dealer(s, "SWITCH", "{\"token\":\"" + token + "\",\"number_client\":3}"))
                .containsEntry("ok", false).extractingByKey("error").asString()
                .contains("unknown argument 'number_client'");
        assertThat(dealer(s, "SWITCH", "{\"token\":\"" + token + "\",\"number_clients\":2.5}"))
                .containsEntry("ok", false).extractingByKey("error").asString().contains("must be an integer");
        String big = "{\"token\":\"" + token + "\",\"pad\":\"" + "x".repeat(1 << 20) + "\"}";
        assertThat(dealer(s, "IDLE", big)).containsEntry("ok", false).extractingByKey("error").asString()
                .contains("exceeds the limit of 65536 bytes");
        assertThat(dealer(s, "STATUS", "[1, 2]")).containsEntry("ok", false);
        assertThat(central.state()).isEqualTo(WKRDecentralizeCentral.State.RUNNING);
        assertThat(dealer(s, "SWITCH", "{\"token\":\"" + token + "\",\"num_client\":1}")).containsEntry("ok", true)
                .containsEntry("number_client_per_server", 1L);
        assertThat(units(central.status())).hasSize(2);
    }

    @Test
    void shouldIdleRestartSwitchAndTerminateOnlyWithTheToken() throws Exception {
        start(config(), TestUnits.Idle::new);
        String token = token();
        assertThat(request("IDLE", Map.of())).containsEntry("ok", false).extractingByKey("error").asString()
                .startsWith("UNAUTHORIZED");
        assertThat(request("TERMINATION", Map.of("token", "guess"))).containsEntry("ok", false);
        assertThat(central.state()).isEqualTo(WKRDecentralizeCentral.State.RUNNING);

        assertThat(request("IDLE", Map.of("token", token))).containsEntry("ok", true).containsEntry("state", "IDLE");
        assertThat(units(central.status())).isEmpty();
        assertThat(request("RESTART_CLIENT", Map.of("token", token))).containsEntry("ok", true).containsEntry("units", 4L);

        Map<String, Object> switched = request("SWITCH", Map.of("token", token,
                "remote_servers", List.of(List.of("127.0.0.1", 6001, 6002)), "number_clients", 3));
        assertThat(switched).containsEntry("ok", true).containsEntry("success", true)
                .containsEntry("number_client_per_server", 3L)
                .containsEntry("remote_servers", List.of(List.of("127.0.0.1", 6001L, 6002L)));
        assertThat(units(central.status())).hasSize(3).allMatch(u -> u.server().equals(new RemoteServer("127.0.0.1", 6001, 6002)));
        assertThat(request("SWITCH", Map.of("token", token, "number_clients", 1))).containsEntry("ok", true);
        assertThat(units(central.status())).hasSize(1);

        Path tokenFile = central.tokenFile();
        assertThat(request("TERMINATION", Map.of("token", token))).containsEntry("ok", true);
        assertThat(central.awaitTermination(WAIT)).isTrue();
        assertThat(central.state()).isEqualTo(WKRDecentralizeCentral.State.STOPPED);
        assertThat(tokenFile).doesNotExist();
    }

    @Test
    void shouldRestartAUnitThatThrowsWithBackoff() {
        TestUnits.Flaky.STARTS.set(0);
        TestUnits.Flaky.THROWN.set(0);
        start(config().remoteServers(SERVERS.subList(0, 1)).numClient(1), TestUnits.Flaky::new);
        Await.until(() -> {
            CentralStatus.Unit u = units(central.status()).get(0);
            return u.state() == UnitState.RUNNING && u.restarts() == 3 && u.counters().getOrDefault("rounds", 0L) > 5;
        }, WAIT, "the unit running after 3 restarts");
        CentralStatus.Unit u = units(central.status()).get(0);
        assertThat(u.lastError()).contains("round 3 broke");
        assertThat(u.counters().get("unit_failures")).isEqualTo(3L);
    }

    @Test
    void shouldServeStatusOverHttpWithoutThePassword() throws Exception {
        RedisConfig redis = RedisConfig.of("127.0.0.1", 6390).withPassword("s3cret-pw").withUser("wkr");
        start(config().httpPort(0).redis(redis), TestUnits.Idle::new);
        HttpClient http = HttpClient.newHttpClient();
        String base = "http://127.0.0.1:" + central.httpPort();
        HttpResponse<String> status = http.send(HttpRequest.newBuilder(URI.create(base + "/status")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(status.statusCode()).isEqualTo(200);
        assertThat(status.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        Map<String, Object> json = Json.parseObject(status.body().getBytes(StandardCharsets.UTF_8));
        assertThat(json).containsEntry("state", "RUNNING").containsKey("units").containsKey("totals");
        assertThat(status.body()).doesNotContain("s3cret-pw").contains("\"password\":\"***\"");
        assertThat(central.config().toString()).doesNotContain("s3cret-pw");
        assertThat(request("STATUS", Map.of()).toString()).doesNotContain("s3cret-pw");
        assertThat(http.send(HttpRequest.newBuilder(URI.create(base + "/health")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("alive");
        HttpResponse<String> page = http.send(HttpRequest.newBuilder(URI.create(base + "/")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.body()).contains("<title>wkr decentral</title>").contains("fetch('status'");
    }
}

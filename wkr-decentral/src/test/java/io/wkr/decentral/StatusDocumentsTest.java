package io.wkr.decentral;

import static io.wkr.decentral.testing.JsonShape.compact;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.wkr.decentral.testing.JsonShape;
import io.wkr.server.testing.Await;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * Pins every key and value type of the documents the central writes: its status (HTTP {@code
 * /status} and the control socket's {@code SHOW_CONFIG}), the control replies and {@code
 * /health}. Read as bytes off the wire and parsed with a plain Jackson tree, so a renamed key or
 * a changed type fails here whatever the code inside does. Python tools and scripts read these
 * keys (docs/decentral.md).
 */
@Timeout(60)
class StatusDocumentsTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final List<RemoteServer> SERVERS = List.of(new RemoteServer("127.0.0.1", 5001, 5002),
            new RemoteServer("127.0.0.1", 5003, 5004));

    private static final String REMOTE = "[string,int,int]";
    private static final String JOBS = """
            {stream:string,group:string,visibility_timeout_ms:int,max_deliveries:int,retry_backoff_ms:int,
             result_ttl_s:int,max_in_flight:int,request_timeout_ms:int,protocol:string}""";
    /** The status of a central whose first unit runs and whose second is backing off; Redis over TLS. */
    private static final String STATUS = """
            {wkr_version:string,state:string,pid:int,port:int,port_out:null,http_port:int,
             number_client_per_server:int,remote_servers:[%1$s...],
             servers:[{server:%1$s,units:int,running:int,backoff:int,jobs_done:int}...],
             units:[{name:string,server:%1$s,index:int,state:string,since:string,restarts:int,
                     last_error:null,last_error_at:null,counters:{rounds:int},gauges:{depth:int}},
                    {name:string,server:%1$s,index:int,state:string,since:string,restarts:int,backoff_ms:int,
                     last_error:string,last_error_at:string,counters:{unit_failures:int},gauges:{}}],
             totals:{rounds:int,unit_failures:int},
             config:{remote_servers:[%1$s...],number_client_per_server:int,control_host:string,control_port:int,
                     http_port:int,restart_backoff_ms:[int...],stop_timeout_ms:int,unit_args:[string...],
                     redis:{host:string,port:int,database:int,user:string,password:string,tls:bool,
                            tls_ca_file:string,tls_insecure:bool,timeout_ms:int},
                     jobs:%2$s}}""".formatted(REMOTE, JOBS);

    @TempDir Path dir;
    private final ZContext zmq = new ZContext(1);
    private WKRDecentralizeCentral central;

    @AfterEach
    void close() {
        if (central != null) central.close();
        zmq.close();
    }

    /** Counts rounds and sets a gauge; cannot reach the server on port 5003, so that unit backs off. */
    public static final class Probe extends WKRWorker<Void> {
        @Override
        public Void getModel(String ip, int port, int portOut) {
            if (port == 5003) throw new IllegalStateException("no server on " + ip + ":" + port);
            return null;
        }

        @Override
        public void doWork(Void model, Logger logger) {
            context().count("rounds", 1);
            context().gauge("depth", 7);
            LockSupport.parkNanos(5_000_000); // simulated work, not synchronisation
        }
    }

    private WKRDecentralizeCentral start(DecentralConfig.Builder config) {
        central = new WKRDecentralizeCentral(config.tokenFile(dir.resolve("control.token")).build(), Probe::new);
        central.start();
        return central;
    }

    private static DecentralConfig.Builder config() {
        Map<String, String> args = new LinkedHashMap<>();
        args.put("model", "m1");
        args.put("mode", "fast");
        return DecentralConfig.builder(SERVERS).numClient(1).controlPort(0).unitArgs(args)
                .restartBackoff(Duration.ofSeconds(30), Duration.ofSeconds(60)).stopTimeout(Duration.ofSeconds(5));
    }

    private byte[] control(String command, String args) {
        ZMQ.Socket req = zmq.createSocket(SocketType.REQ);
        try {
            req.setLinger(0);
            req.setReceiveTimeOut((int) WAIT.toMillis());
            req.connect("tcp://127.0.0.1:" + central.controlPort());
            req.send(command, ZMQ.SNDMORE);
            req.send(args, 0);
            byte[] reply = req.recv(0);
            assertThat(reply).as("a reply to " + command).isNotNull();
            return reply;
        } finally {
            req.close();
        }
    }

    private String token() throws Exception {
        return Files.readString(central.tokenFile()).strip();
    }

    private String withToken(String moreArgs) throws Exception {
        return "{\"token\":\"" + token() + "\"" + moreArgs + "}";
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + central.httpPort() + path)).build(), HttpResponse.BodyHandlers.ofString());
    }

    private boolean settled() {
        JsonNode units = JsonShape.tree(control("STATUS", "{}")).get("units");
        return units.get(0).path("counters").has("rounds") && units.get(0).path("gauges").has("depth")
                && units.get(1).path("state").asText().equals("BACKOFF");
    }

    @Test
    void shouldKeepEveryKeyAndTypeOfTheStatusOverHttpAndTheControlSocket() throws Exception {
        RedisConfig redis = RedisConfig.of("127.0.0.1", 6390).withUser("wkr").withPassword("pw-1")
                .withTls(dir.resolve("ca.pem"));
        start(config().httpPort(0).redis(redis));
        Await.until(this::settled, WAIT, "one unit running with counters, the other backing off");

        HttpResponse<String> http = get("/status");
        assertThat(http.statusCode()).isEqualTo(200);
        assertThat(http.headers().firstValue("content-type")).hasValueSatisfying(v -> assertThat(v).contains("json"));
        assertThat(JsonShape.of(http.body())).isEqualTo(compact(STATUS));

        byte[] reply = control("SHOW_CONFIG", "");
        assertThat(JsonShape.of(reply)).isEqualTo(compact("{ok:bool,command:string," + STATUS.substring(1)));
        assertThat(JsonShape.of(control("STATUS", "{}"))).isEqualTo(JsonShape.of(reply));

        JsonNode s = JsonShape.tree(http.body());
        assertThat(s.get("state").asText()).isEqualTo("RUNNING");
        assertThat(s.get("pid").asLong()).isEqualTo(ProcessHandle.current().pid());
        assertThat(s.get("port").asInt()).isEqualTo(central.controlPort());
        assertThat(s.get("http_port").asInt()).isEqualTo(central.httpPort());
        assertThat(s.get("number_client_per_server").asInt()).isEqualTo(1);
        assertThat(s.get("remote_servers")).isEqualTo(JsonShape.tree(
                "[[\"127.0.0.1\",5001,5002],[\"127.0.0.1\",5003,5004]]"));
        assertThat(s.get("servers")).isEqualTo(JsonShape.tree("""
                [{"server":["127.0.0.1",5001,5002],"units":1,"running":1,"backoff":0,"jobs_done":0},
                 {"server":["127.0.0.1",5003,5004],"units":1,"running":0,"backoff":1,"jobs_done":0}]"""));
        JsonNode running = s.get("units").get(0);
        JsonNode backoff = s.get("units").get(1);
        assertThat(running.get("name").asText()).isEqualTo("127.0.0.1:5001#0");
        assertThat(running.get("state").asText()).isEqualTo("RUNNING");
        assertThat(Instant.parse(running.get("since").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(running.get("gauges")).isEqualTo(JsonShape.tree("{\"depth\":7}"));
        assertThat(backoff.get("name").asText()).isEqualTo("127.0.0.1:5003#0");
        assertThat(backoff.get("state").asText()).isEqualTo("BACKOFF");
        assertThat(backoff.get("restarts").asLong()).isEqualTo(1);
        assertThat(backoff.get("backoff_ms").asLong()).isEqualTo(30_000);
        assertThat(backoff.get("last_error").asText()).isEqualTo(
                "getModel failed: java.lang.IllegalStateException: no server on 127.0.0.1:5003");
        assertThat(Instant.parse(backoff.get("last_error_at").asText())).isBeforeOrEqualTo(Instant.now());
        assertThat(s.get("totals").get("unit_failures").asLong()).isEqualTo(1);

        JsonNode c = s.get("config");
        assertThat(c.get("control_host").asText()).isEqualTo("127.0.0.1");
        assertThat(c.get("control_port").asInt()).isZero();
        assertThat(c.get("http_port").asInt()).isZero();
        assertThat(c.get("restart_backoff_ms")).isEqualTo(JsonShape.tree("[30000,60000]"));
        assertThat(c.get("stop_timeout_ms").asLong()).isEqualTo(5000);
        assertThat(c.get("unit_args")).isEqualTo(JsonShape.tree("[\"mode\",\"model\"]"));
        assertThat(c.get("redis")).isEqualTo(JsonShape.tree("{\"host\":\"127.0.0.1\",\"port\":6390,\"database\":0,"
                + "\"user\":\"wkr\",\"password\":\"***\",\"tls\":true,\"tls_ca_file\":\"" + dir.resolve("ca.pem")
                + "\",\"tls_insecure\":false,"
                + "\"timeout_ms\":5000}"));
        assertThat(c.get("jobs")).isEqualTo(JsonShape.tree("""
                {"stream":"wkr:jobs","group":"wkr","visibility_timeout_ms":60000,"max_deliveries":5,
                 "retry_backoff_ms":1000,"result_ttl_s":86400,"max_in_flight":16,"request_timeout_ms":30000,
                 "protocol":"obj"}"""));
        assertThat(http.body()).doesNotContain("pw-1");

        HttpResponse<String> health = get("/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertThat(JsonShape.tree(health.body())).isEqualTo(JsonShape.tree("{\"status\":\"alive\"}"));
    }

    @Test
    void shouldKeepEveryKeyAndTypeOfTheControlReplies() throws Exception {
        start(config().redis(RedisConfig.of("127.0.0.1", 6390)));
        String ok = "{ok:bool,command:string,";
        JsonNode status = JsonShape.tree(control("SHOW_CONFIG", ""));
        assertThat(JsonShape.of(status.get("config").get("redis")))
                .isEqualTo("{host:string,port:int,database:int,user:null,password:null,tls:bool,timeout_ms:int}");
        assertThat(JsonShape.of(status.get("config").get("unit_args"))).isEqualTo("[string...]");
        assertThat(status.get("http_port").isNull()).isTrue();
        assertThat(status.get("config").get("http_port").isNull()).isTrue();

        byte[] idle = control("IDLE", withToken(""));
        assertThat(JsonShape.of(idle)).isEqualTo(ok + "state:string}");
        assertThat(JsonShape.tree(idle)).isEqualTo(JsonShape.tree("{\"ok\":true,\"command\":\"IDLE\",\"state\":\"IDLE\"}"));
        assertThat(JsonShape.of(control("SHOW_CONFIG", ""))).contains("units:[],totals:{},");

        byte[] restart = control("RESTART_CLIENT", withToken(""));
        assertThat(JsonShape.tree(restart)).isEqualTo(JsonShape.tree(
                "{\"ok\":true,\"command\":\"RESTART_CLIENT\",\"state\":\"RUNNING\",\"units\":2}"));
        assertThat(JsonShape.tree(control("RESTART", withToken("")))).isEqualTo(JsonShape.tree(
                "{\"ok\":true,\"command\":\"RESTART\",\"state\":\"RUNNING\",\"units\":2}"));

        byte[] switched = control("SWITCH", withToken(",\"remote_servers\":[[\"127.0.0.1\",6001,6002]],\"number_clients\":3"));
        assertThat(JsonShape.tree(switched)).isEqualTo(JsonShape.tree("""
                {"ok":true,"command":"SWITCH","success":true,"remote_servers":[["127.0.0.1",6001,6002]],
                 "number_client_per_server":3}"""));
        assertThat(JsonShape.of(control("SWITCH", withToken(",\"remote_servers\":null,\"num_client\":2"))))
                .isEqualTo(ok + "success:bool,remote_servers:[[string,int,int]],number_client_per_server:int}");

        for (byte[] refused : List.of(control("IDLE", "{}"), control("FLY", withToken("")), control("SWITCH", "{x"),
                control("SWITCH", withToken(",\"number_clients\":\"many\"")))) {
            assertThat(JsonShape.of(refused)).isEqualTo("{ok:bool,error:string}");
            assertThat(JsonShape.tree(refused).get("ok").asBoolean()).isFalse();
        }

        byte[] bye = control("TERMINATION", withToken(""));
        assertThat(JsonShape.tree(bye)).isEqualTo(JsonShape.tree(
                "{\"ok\":true,\"command\":\"TERMINATION\",\"state\":\"STOPPING\"}"));
        assertThat(central.awaitTermination(WAIT)).isTrue();
    }

    @Test
    void shouldShowNoRedisAsNull() {
        start(config());
        JsonNode status = JsonShape.tree(control("STATUS", ""));
        assertThat(status.get("config").get("redis").isNull()).isTrue();
        assertThat(new String(control("STATUS", ""), StandardCharsets.UTF_8)).doesNotContain("\n");
    }
}

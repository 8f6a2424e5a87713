package io.wkr.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.wkr.protocol.Wire;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.CliProcess;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.RawPeer;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The hardening issue's attacks, each against a real server in a child JVM with the launcher's
 * JVM options (192 MB heap, exit on out-of-memory): every request sent is counted against every
 * answer received, and the server must either keep serving within its memory budget or, where
 * that is the contract, exit non-zero and promptly.
 */
@Timeout(180)
class HardeningProcessTest {
    private static final Duration WAIT = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir Path dir;

    private CliProcess serve(Class<?> worker, String... options) throws IOException {
        List<String> args = new ArrayList<>(List.of(worker.getName(), "-port_in", "0", "-port_out", "0", "-ip",
                "127.0.0.1", "-http_port", "0", "-token_file", dir.resolve("admin.token").toString()));
        args.addAll(List.of(options));
        return CliProcess.start(dir, CliProcess.LAUNCHER_JVM, ServingStart.class, args.toArray(String[]::new));
    }

    private static int httpPort(CliProcess server) {
        return server.awaitHttpPort(WAIT);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> status(int httpPort) throws Exception {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + httpPort + "/status"))
                .timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(200);
        return JSON.readValue(r.body(), Map.class);
    }

    @SuppressWarnings("unchecked")
    private static long number(Map<String, Object> status, String section, String key) {
        return ((Number) ((Map<String, Object>) status.get(section)).get(key)).longValue();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] uint8Info(int n) {
        return ascii("{\"dtype\":\"uint8\",\"shape\":[" + n + "]}");
    }

    /** The error code of a reply, or "OK" for a result. */
    private static String outcome(List<byte[]> reply) {
        if (!Arrays.equals(reply.get(3), Wire.EXCEPTION)) return "OK";
        String text = new String(reply.get(2), StandardCharsets.UTF_8);
        return text.substring(0, text.indexOf(':'));
    }

    @Test
    void shouldAnswerEveryOneOfFortyTwelveMegabyteRequestsToASlowWorkerWithinTheQueueBudget() throws Exception {
        try (CliProcess server = serve(AbuseWorkers.SlowEcho.class, "-protocol", "numpy", "-num_worker", "2")) {
            int[] ports = server.awaitReady(WAIT);
            int http = httpPort(server);
            try (RawPeer peer = new RawPeer("127.0.0.1", ports[0], ports[1], "big")) {
                peer.handshake(WAIT);
                int n = 12 << 20;
                byte[] payload = new byte[n];
                payload[n - 1] = 7;
                for (int i = 0; i < 40; i++) peer.send(peer.identity(), ascii("r" + i), payload, uint8Info(n));
                Map<String, Integer> outcomes = new TreeMap<>();
                Set<String> answered = new HashSet<>();
                while (answered.size() < 40) {
                    List<byte[]> reply = peer.receive(WAIT);
                    assertThat(reply).as("an answer to each of the 40 requests; got " + outcomes).isNotNull();
                    String id = new String(reply.get(1), StandardCharsets.US_ASCII);
                    if (!id.startsWith("r")) continue; // a late status reply
                    assertThat(answered.add(id)).as("one answer per request").isTrue();
                    String o = outcome(reply);
                    if (o.equals("OK")) assertThat(reply.get(2)).hasSize(n).endsWith(7);
                    outcomes.merge(o, 1, Integer::sum);
                }
                assertThat(outcomes.keySet()).isSubsetOf("OK", "OVERLOADED");
                assertThat(outcomes.getOrDefault("OK", 0)).isPositive();
                assertThat(outcomes.getOrDefault("OK", 0) + outcomes.getOrDefault("OVERLOADED", 0)).isEqualTo(40);

                Map<String, Object> s = status(http);
                assertThat(number(s, "queue", "peak_bytes")).isPositive().isLessThanOrEqualTo(number(s, "queue", "max_bytes"));
                assertThat(number(s, "replies", "peak_bytes")).isLessThanOrEqualTo(number(s, "replies", "max_bytes"));
                assertThat(outcome(peer.call("after", new byte[] {1, 2, 3}, uint8Info(3), WAIT))).isEqualTo("OK");
            }
            assertThat(server.process().isAlive()).isTrue();
            server.process().toHandle().destroy();
            assertThat(server.awaitExit(WAIT)).isZero();
        }
    }

    /**
     * A client whose SUB socket stops reading sends 3 000 echo requests of 100 KB (300 MB of
     * replies, more than the heap): its replies are dropped or it is disconnected, counted to the
     * last one, and another client is served meanwhile.
     */
    @Test
    void shouldDropTheRepliesOfAClientThatStopsReadingAndKeepServingOthers() throws Exception {
        try (CliProcess server = serve(EchoTestWorker.class, "-protocol", "numpy", "-num_worker", "2");
                ZContext context = new ZContext(1)) {
            int[] ports = server.awaitReady(WAIT);
            int http = httpPort(server);
            try (RawPeer reader = new RawPeer("127.0.0.1", ports[0], ports[1], "reader")) {
                reader.handshake(WAIT);
                Map<String, Object> before = status(http);

                byte[] identity = ascii("stops-reading");
                ZMQ.Socket sub = context.createSocket(SocketType.SUB);
                sub.setRcvHWM(1);
                sub.setReceiveBufferSize(4096);
                sub.subscribe(identity);
                sub.connect("tcp://127.0.0.1:" + ports[1]);
                ZMQ.Socket push = context.createSocket(SocketType.PUSH);
                push.connect("tcp://127.0.0.1:" + ports[0]);
                int n = 100_000;
                byte[] payload = new byte[n];
                for (int i = 0; i < 3000; i++) {
                    push.send(identity, ZMQ.SNDMORE);
                    push.send(ascii(Integer.toString(i)), ZMQ.SNDMORE);
                    push.send(payload, ZMQ.SNDMORE);
                    push.send(uint8Info(n), 0);
                }
                // Meanwhile another client is answered: with a result, or OVERLOADED while the flood
                // fills the queue (the model waits for the stalled subscriber's bytes to be freed).
                Map<String, Integer> during = new TreeMap<>();
                for (int i = 0; i < 100; i++) {
                    List<byte[]> r = reader.call("during" + i, new byte[] {(byte) i}, uint8Info(1), WAIT);
                    if (outcome(r).equals("OK")) assertThat(r.get(2)).containsExactly((byte) i);
                    during.merge(outcome(r), 1, Integer::sum);
                }
                assertThat(during.keySet()).isSubsetOf("OK", "OVERLOADED");
                long answeredBefore = number(before, "requests", "succeeded") + number(before, "requests", "failed");
                Await.until(() -> {
                    try {
                        Map<String, Object> s = status(http);
                        return number(s, "requests", "succeeded") + number(s, "requests", "failed") - answeredBefore == 3100;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, Duration.ofSeconds(120), "all 3 100 requests answered");
                for (int i = 0; i < 100; i++) {
                    List<byte[]> r = reader.call("after" + i, new byte[] {(byte) i}, uint8Info(1), WAIT);
                    assertThat(outcome(r)).isEqualTo("OK");
                    assertThat(r.get(2)).containsExactly((byte) i);
                }

                // Now it reads: what it gets plus what was dropped for it is every reply it was sent.
                long droppedBefore = number(before, "replies", "dropped_slow_subscriber")
                        + number(before, "replies", "dropped_no_subscriber");
                Set<String> received = new HashSet<>();
                sub.setReceiveTimeOut(100);
                Await.until(() -> {
                    byte[] first;
                    while ((first = sub.recv(0)) != null) {
                        assertThat(first).isEqualTo(identity);
                        String id = sub.recvStr();
                        byte[] body = sub.recv(0);
                        byte[] info = sub.recv(0);
                        if (!Arrays.equals(info, Wire.EXCEPTION)) assertThat(body).hasSize(n);
                        assertThat(received.add(id)).as("reply " + id + " once").isTrue();
                    }
                    try {
                        Map<String, Object> s = status(http);
                        long dropped = number(s, "replies", "dropped_slow_subscriber")
                                + number(s, "replies", "dropped_no_subscriber") - droppedBefore;
                        return received.size() + dropped == 3000;
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, Duration.ofSeconds(60), "received + dropped = the 3 000 replies");

                Map<String, Object> s = status(http);
                assertThat(number(s, "replies", "dropped_slow_subscriber")).isPositive();
                assertThat(number(s, "replies", "peak_bytes")).isLessThanOrEqualTo(number(s, "replies", "max_bytes"));
                assertThat(number(s, "replies", "waiting_bytes")).isLessThanOrEqualTo(number(s, "replies", "max_bytes"));
            }
            assertThat(server.process().isAlive()).isTrue();
        }
    }

    /** A subscriber to every topic that never reads cannot make the server run out of memory. */
    @Test
    void shouldKeepServingWhileASpyOnEveryTopicNeverReads() throws Exception {
        try (CliProcess server = serve(EchoTestWorker.class, "-protocol", "numpy", "-num_worker", "2");
                ZContext context = new ZContext(1)) {
            int[] ports = server.awaitReady(WAIT);
            int http = httpPort(server);
            ZMQ.Socket spy = context.createSocket(SocketType.SUB);
            spy.setRcvHWM(1);
            spy.setReceiveBufferSize(4096);
            spy.subscribe(new byte[0]);
            spy.connect("tcp://127.0.0.1:" + ports[1]);
            try (RawPeer a = new RawPeer("127.0.0.1", ports[0], ports[1], "a")) {
                a.handshake(WAIT);
                int n = 50_000;
                byte[] payload = new byte[n];
                for (int i = 0; i < 3000; i++) {
                    payload[0] = (byte) i;
                    List<byte[]> r = a.call("a" + i, payload, uint8Info(n), WAIT);
                    assertThat(outcome(r)).as("request " + i).isEqualTo("OK");
                    assertThat(r.get(2)[0]).isEqualTo((byte) i);
                }
            }
            Map<String, Object> s = status(http);
            assertThat(number(s, "replies", "evicted_subscribers") + number(s, "replies", "dropped_slow_subscriber"))
                    .as("the spy lost replies").isPositive();
            assertThat(number(s, "replies", "peak_bytes")).isLessThanOrEqualTo(number(s, "replies", "max_bytes"));
            assertThat(server.process().isAlive()).isTrue();
        }
    }

    /** Sends {@code value} with the obj protocol as request {@code id}. */
    private static void sendObj(RawPeer peer, String id, Object value) {
        io.wkr.protocol.PayloadCodec.Encoded e = io.wkr.protocol.PayloadCodec.of(io.wkr.protocol.Protocol.OBJ, List.of())
                .encode(value, 0);
        peer.send(peer.identity(), ascii(id), e.payload(), e.info());
    }

    /** Sends an obj payload and returns the outcome of its reply. */
    private static String objCall(RawPeer peer, String id, io.wkr.protocol.PayloadCodec.Encoded e) {
        return outcome(peer.call(id, e.payload(), e.info(), WAIT));
    }

    /**
     * A 14 MB Kryo {@code Object[]} of 7 million empty strings decodes into about 200 MB of
     * objects: three of them must each be refused, and the server must go on serving.
     */
    @Test
    void shouldRefuseAKryoArrayThatWouldDecodeBeyondTheHeapAndKeepServing() throws Exception {
        Object[] empties = new Object[7_000_000];
        Arrays.fill(empties, "");
        io.wkr.protocol.PayloadCodec obj = io.wkr.protocol.PayloadCodec.of(io.wkr.protocol.Protocol.OBJ, List.of());
        io.wkr.protocol.PayloadCodec.Encoded bomb = obj.encode(empties, 0);
        assertThat(bomb.payload().length).isBetween(13 << 20, 16 << 20);
        try (CliProcess server = serve(EchoTestWorker.class, "-num_worker", "2")) {
            int[] ports = server.awaitReady(WAIT);
            int http = httpPort(server);
            try (RawPeer peer = new RawPeer("127.0.0.1", ports[0], ports[1], "kryo")) {
                peer.handshake(WAIT);
                for (int i = 0; i < 3; i++) {
                    assertThat(objCall(peer, "bomb" + i, bomb)).as("attempt " + i).isIn("BAD_REQUEST", "OVERLOADED");
                }
                assertThat(objCall(peer, "fine", obj.encode(new Object[] {"a", "b"}, 0))).isEqualTo("OK");
            }
            Map<String, Object> s = status(http);
            assertThat(number(s, "queue", "peak_bytes")).isLessThanOrEqualTo(number(s, "queue", "max_bytes"));
            assertThat(server.process().isAlive()).isTrue();
        }
    }

    /**
     * A map whose {@code ArrayList} keys all share one hash code made Kryo's HashMap decoding
     * quadratic (651 KB took about 145 s of a worker). Two of them at once must not stop the
     * server from answering others.
     */
    @Test
    void shouldNotLetAMapOfCollidingKeysPinTheWorkers() throws Exception {
        // Keys [a, b] with 31 * (31 + a) + b constant collide; they are inserted distinct and then
        // changed in place, so building the map here is not quadratic too.
        Map<Object, Object> map = new java.util.HashMap<>();
        List<List<Integer>> keys = new ArrayList<>();
        for (int a = 0; a < 56_000; a++) {
            List<Integer> k = new ArrayList<>(List.of(a, a));
            keys.add(k);
            map.put(k, 0);
        }
        for (int a = 0; a < keys.size(); a++) keys.get(a).set(1, 1_000_000 - 31 * a);
        io.wkr.protocol.PayloadCodec obj = io.wkr.protocol.PayloadCodec.of(io.wkr.protocol.Protocol.OBJ, List.of());
        io.wkr.protocol.PayloadCodec.Encoded colliding = obj.encode(map, 0);
        assertThat(colliding.payload().length).isGreaterThan(600_000);
        try (CliProcess server = serve(EchoTestWorker.class, "-num_worker", "2")) {
            int[] ports = server.awaitReady(WAIT);
            try (RawPeer attacker = new RawPeer("127.0.0.1", ports[0], ports[1], "attacker");
                    RawPeer user = new RawPeer("127.0.0.1", ports[0], ports[1], "user")) {
                attacker.handshake(WAIT);
                user.handshake(WAIT);
                attacker.send(attacker.identity(), ascii("m1"), colliding.payload(), colliding.info());
                attacker.send(attacker.identity(), ascii("m2"), colliding.payload(), colliding.info());
                for (int i = 0; i < 20; i++) {
                    assertThat(outcome(user.call("u" + i, obj.encode("hello " + i, 0).payload(),
                            obj.encode("hello " + i, 0).info(), Duration.ofSeconds(20)))).isEqualTo("OK");
                }
                Set<String> answered = new HashSet<>();
                while (answered.size() < 2) {
                    List<byte[]> r = attacker.receive(WAIT);
                    assertThat(r).as("an answer to each colliding map").isNotNull();
                    String id = new String(r.get(1), StandardCharsets.US_ASCII);
                    if (id.startsWith("m")) answered.add(id);
                }
            }
            assertThat(server.process().isAlive()).isTrue();
        }
    }

    @Test
    void shouldExitOneSayingWhoCalledSystemExitInPredictAndAnswerTheRequest() throws Exception {
        try (CliProcess server = serve(AbuseWorkers.ExitInPredict.class)) {
            int[] ports = server.awaitReady(WAIT);
            try (RawPeer peer = new RawPeer("127.0.0.1", ports[0], ports[1], "exit")) {
                peer.handshake(WAIT);
                sendObj(peer, "x", "exit");
                List<byte[]> reply = peer.receive(WAIT);
                assertThat(reply).as("an answer to the request whose predict called System.exit").isNotNull();
                assertThat(outcome(reply)).isEqualTo("SHUTTING_DOWN");
            }
            assertThat(server.awaitExit(WAIT)).isEqualTo(1);
            assertThat(server.output()).contains("System.exit was called by thread wkr-worker-0 at "
                    + AbuseWorkers.ExitInPredict.class.getName() + ".predict");
        }
    }

    @Test
    void shouldExitPromptlyWithStatusThreeWhenAModelRunsOutOfMemory() throws Exception {
        try (CliProcess server = serve(AbuseWorkers.OutOfMemoryInPredict.class)) {
            int[] ports = server.awaitReady(WAIT);
            try (RawPeer peer = new RawPeer("127.0.0.1", ports[0], ports[1], "oom")) {
                peer.handshake(WAIT);
                sendObj(peer, "x", "oom");
            }
            assertThat(server.awaitExit(WAIT)).isEqualTo(3);
            assertThat(server.output()).contains("OutOfMemoryError");
        }
    }

    /** Without the launcher's JVM option the server stops itself with status 1. */
    @Test
    void shouldStopWithStatusOneWhenAModelRunsOutOfMemoryWithoutTheJvmOption() throws Exception {
        try (CliProcess server = CliProcess.start(dir, List.of("-Xmx192m"), ServingStart.class,
                AbuseWorkers.OutOfMemoryInPredict.class.getName(), "-port_in", "0", "-port_out", "0", "-ip", "127.0.0.1",
                "-token_file", dir.resolve("t").toString())) {
            int[] ports = server.awaitReady(WAIT);
            try (RawPeer peer = new RawPeer("127.0.0.1", ports[0], ports[1], "oom")) {
                peer.handshake(WAIT);
                sendObj(peer, "x", "oom");
                List<byte[]> reply = peer.receive(WAIT);
                assertThat(reply).isNotNull();
                assertThat(outcome(reply)).isEqualTo("WORKER_FAILED");
            }
            assertThat(server.awaitExit(WAIT)).isEqualTo(1);
            assertThat(server.output()).contains("worker 0 ran out of memory");
        }
    }

    @Test
    void shouldEndWithinTheDrainTimeoutOnSigtermWhileAModelHangs() throws Exception {
        try (CliProcess server = serve(AbuseWorkers.HangInPredict.class, "-drain_timeout", "2")) {
            int[] ports = server.awaitReady(WAIT);
            try (RawPeer peer = new RawPeer("127.0.0.1", ports[0], ports[1], "hang")) {
                peer.handshake(WAIT);
                sendObj(peer, "x", "hang");
                int http = httpPort(server);
                Await.until(() -> {
                    try {
                        return String.valueOf(status(http).get("workers")).contains("state=BUSY");
                    } catch (Exception e) {
                        throw new AssertionError(e);
                    }
                }, WAIT, "the model hanging in predict");
                server.process().toHandle().destroy();
                List<byte[]> reply = peer.receive(WAIT);
                assertThat(reply).as("the hanging request is answered").isNotNull();
                assertThat(outcome(reply)).isEqualTo("SHUTTING_DOWN");
            }
            assertThat(server.awaitExit(Duration.ofSeconds(25))).isZero();
        }
    }

    @Test
    void shouldRefuseToStartWhenTheLimitsDoNotFitTheHeap() throws Exception {
        try (CliProcess server = CliProcess.start(dir, List.of("-Xmx192m"), ServingStart.class,
                EchoTestWorker.class.getName(), "-port_in", "0", "-port_out", "0", "-ip", "127.0.0.1",
                "-token_file", dir.resolve("t").toString(), "-max_queue_bytes", "150m")) {
            assertThat(server.awaitExit(WAIT)).isEqualTo(1);
            assertThat(server.output()).contains("the memory limits do not fit the heap")
                    .contains("-max_queue_bytes 150.0 MiB");
        }
    }

    @Test
    void shouldStartTheServerWithTheJvmOptionsTheTestsAssume() throws IOException {
        String launcher = Files.readString(Path.of("..", "scripts", "wkr-serving-start"));
        assertThat(launcher).contains("-XX:+ExitOnOutOfMemoryError").contains("-Xmx${WKR_HEAP:-192m}");
        assertThat(CliProcess.LAUNCHER_JVM).containsExactlyInAnyOrder("-XX:+ExitOnOutOfMemoryError", "-Xmx192m");
    }
}

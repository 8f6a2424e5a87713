package io.wkr.server.internal.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.protocol.Wire;
import io.wkr.server.WKRServer;
import io.wkr.server.status.Requests;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.RawPeer;
import io.wkr.server.testing.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * {@code port_out} is wkr's own ZMTP 3.0 PUB endpoint: it must serve real SUB sockets (JeroMQ and
 * libzmq through Debian's pyzmq, with heartbeats), never drop a reply for a client that reads,
 * drop and then disconnect one that does not, and shrug off peers that are not SUB sockets.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PortOutTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path dir;
    private WKRServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private WKRServer start(long maxReplyBytes, Duration slowTimeout) {
        server = TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).numWorker(1).batchSize(8)
                .maxReplyBytes(maxReplyBytes).slowSubscriberTimeout(slowTimeout).build(), EchoTestWorker::new);
        return server;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static byte[] uint8Info(int n) {
        return ascii("{\"dtype\":\"uint8\",\"shape\":[" + n + "]}");
    }

    private static String run(List<String> command, Path dir) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python finished").isTrue();
        assertThat(p.exitValue()).as("python's exit status; output:\n" + out).isZero();
        return out;
    }

    /**
     * The original Python client's sockets (Debian's python3-zmq, libzmq 4.3): 2 x 300 pipelined
     * numpy requests around an idle second and a half with ZMTP heartbeats on. Every reply arrives
     * with its own data, and the connection is never dropped (PINGs are answered).
     */
    @Test
    void shouldServeLibzmqSubSocketsWithHeartbeats() throws Exception {
        start(8 << 20, Duration.ofSeconds(10));
        Path script = dir.resolve("sub.py");
        Files.writeString(script, String.join("\n",
                "import json, sys, time, zmq, numpy as np",
                "pin, pout = int(sys.argv[1]), int(sys.argv[2])",
                "ctx = zmq.Context()",
                "ident = b'py-client-1'",
                "push = ctx.socket(zmq.PUSH); push.connect('tcp://127.0.0.1:%d' % pin)",
                "sub = ctx.socket(zmq.SUB)",
                "sub.setsockopt(zmq.HEARTBEAT_IVL, 100); sub.setsockopt(zmq.HEARTBEAT_TIMEOUT, 300)",
                "sub.setsockopt(zmq.HEARTBEAT_TTL, 1000)",
                "mon = sub.get_monitor_socket(zmq.EVENT_DISCONNECTED)",
                "sub.setsockopt(zmq.SUBSCRIBE, ident); sub.connect('tcp://127.0.0.1:%d' % pout)",
                "while True:  # the subscription is live once a status request is answered",
                "    push.send_multipart([ident, b'hs', b'SHOW_CONFIG', b'{\"format\":\"json\"}'])",
                "    if sub.poll(200): break",
                "while sub.poll(100): sub.recv_multipart()",
                "ok = 0",
                "def burst(base):",
                "    global ok",
                "    for i in range(300):",
                "        a = np.arange(1000, dtype=np.float32) + base + i",
                "        push.send_multipart([ident, str(base + i).encode(), a.tobytes(),",
                "                             json.dumps({'dtype': str(a.dtype), 'shape': a.shape}).encode()])",
                "    for _ in range(300):",
                "        assert sub.poll(20000), 'no reply'",
                "        f = sub.recv_multipart()",
                "        r = np.frombuffer(f[2], dtype=json.loads(f[3])['dtype'])",
                "        assert (r == np.arange(1000, dtype=np.float32) + int(f[1])).all()",
                "        ok += 1",
                "burst(0)",
                "time.sleep(1.5)  # an idle client: only heartbeats cross the connection",
                "burst(1000)",
                "disconnects = 0",
                "while mon.poll(0): mon.recv_multipart(); disconnects += 1",
                "print(json.dumps({'ok': ok, 'disconnects': disconnects}))"));
        String out = run(List.of("/usr/bin/python3", script.toString(), Integer.toString(server.portIn()),
                Integer.toString(server.portOut())), dir);
        assertThat(out.strip()).endsWith("{\"ok\": 600, \"disconnects\": 0}");
        assertThat(server.snapshot().replies().droppedSlowSubscriber()).isZero();
    }

    /** 24 echo replies of 2 MB to a client that reads, with a reply budget of 4 MB: all arrive. */
    @Test
    void shouldDeliverEveryLargeReplyToAClientThatReadsWithinASmallReplyBudget() {
        start(4 << 20, Duration.ofSeconds(10));
        try (RawPeer peer = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "reader")) {
            peer.handshake(WAIT);
            int n = 2 << 20;
            for (int i = 0; i < 24; i++) {
                byte[] payload = new byte[n];
                payload[0] = (byte) i;
                peer.send(peer.identity(), ascii("r" + i), payload, uint8Info(n));
            }
            Set<String> got = new HashSet<>();
            while (got.size() < 24) {
                List<byte[]> reply = peer.receive(WAIT);
                assertThat(reply).as("reply " + got.size() + " of 24").isNotNull();
                String id = new String(reply.get(1), StandardCharsets.US_ASCII);
                if (!id.startsWith("r")) continue;
                assertThat(reply.get(3)).isNotEqualTo(Wire.EXCEPTION);
                assertThat(reply.get(2)).hasSize(n);
                assertThat(reply.get(2)[0]).isEqualTo((byte) Integer.parseInt(id.substring(1)));
                assertThat(got.add(id)).isTrue();
            }
            assertThat(server.snapshot().replies().droppedSlowSubscriber()).isZero();
            assertThat(server.snapshot().replies().evictedSubscribers()).isZero();
        }
    }

    /**
     * A subscriber that never reads: once its socket takes nothing its replies are dropped, and
     * it is disconnected; all its requests are still answered (counted) and others are served.
     */
    @Test
    void shouldDisconnectASubscriberThatStopsReadingAndCountWhatItLost() {
        start(4 << 20, Duration.ofSeconds(1));
        try (ZContext context = new ZContext(1);
                RawPeer other = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "other")) {
            other.handshake(WAIT);
            long answeredBefore = answered(server);
            byte[] identity = ascii("never-reads");
            ZMQ.Socket sub = context.createSocket(SocketType.SUB);
            sub.setRcvHWM(1);
            sub.setReceiveBufferSize(4096);
            sub.subscribe(identity);
            sub.connect("tcp://127.0.0.1:" + server.portOut());
            ZMQ.Socket push = context.createSocket(SocketType.PUSH);
            push.connect("tcp://127.0.0.1:" + server.portIn());
            int n = 200_000;
            for (int i = 0; i < 200; i++) {
                push.send(identity, ZMQ.SNDMORE);
                push.send(ascii(Integer.toString(i)), ZMQ.SNDMORE);
                push.send(new byte[n], ZMQ.SNDMORE);
                push.send(uint8Info(n), 0);
            }
            Await.until(() -> server.snapshot().replies().evictedSubscribers() >= 1,
                    WAIT, "the subscriber disconnected");
            Await.until(() -> answered(server) - answeredBefore == 200, WAIT,
                    "all 200 requests answered");
            assertThat(server.snapshot().replies().droppedSlowSubscriber()).isPositive();
            List<byte[]> r = other.call("still", new byte[] {9}, uint8Info(1), WAIT);
            assertThat(r.get(2)).containsExactly(9);
        }
    }

    /** Data requests answered so far, with a result or an error. */
    private static long answered(WKRServer server) {
        Requests r = server.snapshot().requests();
        return r.succeeded() + r.failed();
    }

    @Test
    void shouldCloseAConnectionThatNeverCompletesTheHandshake() throws Exception {
        start(4 << 20, Duration.ofSeconds(1));
        try (Socket s = new Socket("127.0.0.1", server.portOut())) {
            s.setSoTimeout(20_000);
            byte[] hello = s.getInputStream().readNBytes(64);
            assertThat(hello[0] & 0xff).isEqualTo(0xff);
            assertThat(hello[10]).as("ZMTP major version").isEqualTo((byte) 3);
            assertThat(new String(hello, 12, 4, StandardCharsets.US_ASCII)).isEqualTo("NULL");
            s.getInputStream().readNBytes(27); // READY, Socket-Type PUB
            assertThat(s.getInputStream().read()).as("closed by the server").isEqualTo(-1);
        }
        Await.until(() -> server.snapshot().replies().subscribers() == 0, WAIT, "no connection left");
    }

    @Test
    void shouldCloseWhatIsNotAZmtp3SubscriberAndKeepServing() throws Exception {
        start(4 << 20, Duration.ofSeconds(10));
        try (Socket s = new Socket("127.0.0.1", server.portOut())) {
            s.setSoTimeout(20_000);
            byte[] http = Arrays.copyOf(ascii("GET / HTTP/1.1\r\nHost: x\r\n\r\n"), 64);
            s.getOutputStream().write(http);
            s.getOutputStream().flush();
            InputStream in = s.getInputStream();
            in.readNBytes(91);
            assertThat(in.read()).as("closed by the server").isEqualTo(-1);
        }
        try (ZContext context = new ZContext(1)) {
            ZMQ.Socket push = context.createSocket(SocketType.PUSH); // a PUSH socket is no subscriber
            push.setLinger(0);
            push.connect("tcp://127.0.0.1:" + server.portOut());
            push.send("not a subscription");
            try (RawPeer peer = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "after")) {
                peer.handshake(WAIT);
                assertThat(peer.call("1", new byte[] {5}, uint8Info(1), WAIT).get(2)).containsExactly(5);
            }
        }
    }
}

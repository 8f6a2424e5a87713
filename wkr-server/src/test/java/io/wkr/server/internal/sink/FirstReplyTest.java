package io.wkr.server.internal.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.TestServers;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The PUB/SUB slow joiner: the original Python client (Debian's python3-zmq, libzmq 4.3) connects
 * its SUB socket, subscribes, and sends its first request at once; the request reaches the server
 * before the subscription does. The original's sink slept 100 ms before answering {@code
 * SHOW_CONFIG}; wkr holds a reply whose subscriber has not arrived yet and sends it when the
 * subscription comes. Every request and every answer is counted. Before the hold, 6 and then 9
 * of 500 first {@code SHOW_CONFIG}s, and 4 of 500 first data requests, were lost on a 2-core machine.
 */
@Timeout(value = 300, unit = TimeUnit.SECONDS)
class FirstReplyTest {
    @TempDir Path dir;
    private WKRServer server;

    @AfterEach
    void stop() {
        if (server != null) server.close();
    }

    private WKRServer start() {
        server = TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).numWorker(1).batchSize(8).build(),
                EchoTestWorker::new);
        return server;
    }

    /**
     * Runs {@code clients} fresh clients built the way the original WKRClient builds itself (a new
     * context; PUSH connected to port_in; SUB subscribed to a uuid4 identity and connected to
     * port_out; linger 0), 8 at a time; each sends one message at once and waits up to {@code
     * waitMs} for its reply. {@code data}: a numpy request, otherwise SHOW_CONFIG.
     */
    private String clients(int clients, boolean data, int waitMs) throws IOException, InterruptedException {
        Path script = dir.resolve("first.py");
        Files.writeString(script, String.join("\n",
                "import json, pickle, sys, threading, uuid, zmq, numpy as np",
                "pin, pout, n, data, wait = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == 'data', int(sys.argv[5])",
                "lock = threading.Lock()",
                "counts = {'sent': 0, 'answered': 0, 'lost': 0, 'wrong': 0}",
                "def count(k):",
                "    with lock: counts[k] += 1",
                "def client(i):",
                "    ctx = zmq.Context()",
                "    ident = str(uuid.uuid4()).encode('ascii')",
                "    sender = ctx.socket(zmq.PUSH); sender.setsockopt(zmq.LINGER, 0)",
                "    sender.connect('tcp://127.0.0.1:%d' % pin)",
                "    receiver = ctx.socket(zmq.SUB); receiver.setsockopt(zmq.LINGER, 0)",
                "    receiver.setsockopt(zmq.SUBSCRIBE, ident)",
                "    receiver.connect('tcp://127.0.0.1:%d' % pout)",
                "    try:",
                "        if data:",
                "            a = np.arange(16, dtype=np.float32) + i",
                "            sender.send_multipart([ident, b'1', a.tobytes(),",
                "                                   json.dumps({'dtype': str(a.dtype), 'shape': a.shape}).encode()])",
                "        else:",
                "            sender.send_multipart([ident, b'1', b'SHOW_CONFIG', b'\"{}\"'])",
                "        count('sent')",
                "        if not receiver.poll(wait):",
                "            count('lost'); return",
                "        f = receiver.recv_multipart()",
                "        ok = len(f) == 4 and f[0] == ident and f[1] == b'1'",
                "        if ok and data:",
                "            ok = (np.frombuffer(f[2], dtype=json.loads(f[3])['dtype']) == a).all()",
                "        elif ok:",
                "            ok = json.loads(f[3]) == {'protocol': -1, 'compress': 0} and pickle.loads(f[2])['client'] == ident.decode()",
                "        count('answered' if ok else 'wrong')",
                "    finally:",
                "        sender.close(); receiver.close(); ctx.term()",
                "for burst in range(0, n, 8):",
                "    ts = [threading.Thread(target=client, args=(i,)) for i in range(burst, min(n, burst + 8))]",
                "    for t in ts: t.start()",
                "    for t in ts: t.join()",
                "print(json.dumps(counts, sort_keys=True))"));
        List<String> command = List.of("/usr/bin/python3", script.toString(), Integer.toString(server.portIn()),
                Integer.toString(server.portOut()), Integer.toString(clients), data ? "data" : "status",
                Integer.toString(waitMs));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out;
        try (InputStream in = p.getInputStream()) {
            out = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
        assertThat(p.waitFor(240, TimeUnit.SECONDS)).as("python finished").isTrue();
        assertThat(p.exitValue()).as("python's exit status; output:\n" + out).isZero();
        String[] lines = out.strip().split("\n");
        return lines[lines.length - 1];
    }

    /** 500 original clients in bursts of 8: every first SHOW_CONFIG is answered. */
    @Test
    void shouldAnswerTheFirstShowConfigOfEveryOriginalClient() throws Exception {
        start();
        String counts = clients(500, false, 10_000);
        assertThat(counts).isEqualTo("{\"answered\": 500, \"lost\": 0, \"sent\": 500, \"wrong\": 0}");
        assertThat(server.snapshot().replies().droppedNoSubscriber()).isZero();
        assertThat(server.snapshot().requests().droppedReplies()).isZero();
    }

    /** A data request as the very first message of a fresh connection gets its answer, 500 times. */
    @Test
    void shouldAnswerADataRequestSentAsTheFirstMessage() throws Exception {
        start();
        String counts = clients(500, true, 10_000);
        assertThat(counts).isEqualTo("{\"answered\": 500, \"lost\": 0, \"sent\": 500, \"wrong\": 0}");
        assertThat(server.snapshot().replies().droppedNoSubscriber()).isZero();
        assertThat(server.snapshot().requests().droppedReplies()).isZero();
        assertThat(server.snapshot().requests().succeeded()).isEqualTo(500);
    }

    /**
     * A reply whose client never subscribes is held for {@link ReplyPublisher#HOLD}, then dropped
     * and counted as before, its bytes of the reply budget given back (the sink's tick expires it).
     */
    @Test
    void shouldDropAndCountAReplyWhoseSubscriberNeverComes() {
        start();
        long sent;
        try (ZContext context = new ZContext(1)) {
            ZMQ.Socket push = context.createSocket(SocketType.PUSH);
            push.connect("tcp://127.0.0.1:" + server.portIn());
            sent = System.nanoTime();
            push.send("never-subscribes".getBytes(StandardCharsets.US_ASCII), ZMQ.SNDMORE);
            push.send("1".getBytes(StandardCharsets.US_ASCII), ZMQ.SNDMORE);
            push.send(new byte[] {7}, ZMQ.SNDMORE);
            push.send("{\"dtype\":\"uint8\",\"shape\":[1]}".getBytes(StandardCharsets.US_ASCII), 0);
            Await.until(() -> server.snapshot().requests().succeeded() == 1, Duration.ofSeconds(20), "the request answered");
            assertThat(server.snapshot().replies().waitingBytes()).as("the held reply keeps its budget").isPositive();
            Await.until(() -> server.snapshot().replies().droppedNoSubscriber() == 1, Duration.ofSeconds(30),
                    "the held reply dropped");
        }
        assertThat(System.nanoTime() - sent).isGreaterThanOrEqualTo(ReplyPublisher.HOLD.toNanos());
        assertThat(server.snapshot().requests().droppedReplies()).isEqualTo(1);
        assertThat(server.snapshot().replies().waitingBytes()).isZero();
    }
}

package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.testing.CliProcess;
import io.wkr.server.testing.DebianPython;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The wkr-serving docs' getting-started example ("Calling service": {@code WKRClient(ip,
 * port=..., port_out=..., check_version=False)} then {@code bc.encode(np.zeros((5, 5)))}), frame
 * for frame, with the client's default {@code obj} protocol: Debian's {@code python3} sends what
 * the original client sends (reference §2.1 to §2.3, §2.9, §6.1) to a server started by {@code
 * wkr-serving-start -protocol obj} through scripts/wkr-serving-start with the example echo worker ({@link EchoWorker}), and reads every reply the
 * way the client does ({@code json.loads} on frame 3, {@code zlib} when it says {@code compress},
 * {@code pickle.loads} on frame 2).
 */
@Timeout(120)
class GettingStartedObjFramesTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path dir;

    private static final String CLIENT = String.join("\n",
            "import json, pickle, sys, uuid, zlib, zmq, numpy as np",
            "port, port_out = PORTS",
            "ctx = zmq.Context()",
            "identity = str(uuid.uuid4()).encode('ascii')               # the client's default identity",
            "sender = ctx.socket(zmq.PUSH); sender.setsockopt(zmq.LINGER, 0); sender.connect('tcp://127.0.0.1:%d' % port)",
            "receiver = ctx.socket(zmq.SUB); receiver.setsockopt(zmq.LINGER, 0)",
            "receiver.setsockopt(zmq.SUBSCRIBE, identity); receiver.connect('tcp://127.0.0.1:%d' % port_out)",
            "def recv(rid, timeout_ms):",
            "    while receiver.poll(timeout_ms):",
            "        frames = receiver.recv_multipart()",
            "        assert len(frames) == 4 and frames[0] == identity, frames",
            "        if frames[1] == rid: return frames",
            "    return None",
            "def decode_object(frames):                                    # protocol.py decode_object",
            "    if frames[3] == b'EXCEPTION': raise Exception(frames[2].decode())",
            "    info = json.loads(frames[3])",
            "    payload = zlib.decompress(frames[2]) if info['compress'] == 1 else frames[2]",
            "    return pickle.loads(payload)",
            "# 1. the constructor's status check: [identity, b'1', b'SHOW_CONFIG', b'\"{}\"'], answered with a pickled dict.",
            "# Sent once, at once, as the client does: port_out holds the reply until the subscription arrives.",
            "sender.send_multipart([identity, b'1', b'SHOW_CONFIG', b'\"{}\"'])",
            "frames = recv(b'1', 30000)",
            "assert frames is not None, 'the handshake reply was lost'",
            "status = decode_object(frames)",
            "assert status['protocol'] == 'obj' and status['server_version'] == '2.1.0', status",
            "print('status', status['protocol'], status['server_version'])",
            "# 2. bc.encode(np.zeros((5, 5))): send_object with the defaults",
            "payload = pickle.dumps(np.zeros((5, 5)), protocol=-1)",
            "assert payload[:2] == b'\\x80\\x05'",
            "sender.send_multipart([identity, b'2', payload, b'{\"protocol\": -1, \"compress\": 0}'])",
            "r = decode_object(recv(b'2', 30000))",
            "assert isinstance(r, np.ndarray) and r.dtype == np.float64 and r.shape == (5, 5) and np.array_equal(r, np.zeros((5, 5))), r",
            "print('encode', r.dtype, r.shape)",
            "# 3. the compressed form, in older pyzmq's compact JSON",
            "sender.send_multipart([identity, b'3', zlib.compress(payload), b'{\"protocol\":-1,\"compress\":1}'])",
            "r = decode_object(recv(b'3', 30000))",
            "assert isinstance(r, np.ndarray) and np.array_equal(r, np.zeros((5, 5))), r",
            "print('compressed', r.dtype, r.shape)");

    @Test
    void shouldAnswerTheGettingStartedExampleInTheClientsDefaultObjProtocol() throws Exception {
        try (CliProcess server = CliProcess.startCommand(dir, List.of(launcher(), EchoWorker.class.getName(),
                "-cp", checkout().resolve("examples/target/classes").toString(),
                "-port_in", "0", "-port_out", "0", "-ip", "127.0.0.1", "-protocol", "obj",
                "-token_file", dir.resolve("admin.token").toString()))) {
            int[] ports = server.awaitReady(WAIT);
            String out = DebianPython.run(CLIENT.replace("PORTS", ports[0] + ", " + ports[1]), new byte[0], WAIT);
            assertThat(out).contains("status obj 2.1.0").contains("encode float64 (5, 5)").contains("compressed float64 (5, 5)");
        }
    }

    /** The checkout: the examples module's parent, whose scripts/ hold the launchers. */
    private static Path checkout() {
        Path here = Path.of("").toAbsolutePath();
        return Files.exists(here.resolve("scripts/wkr-serving-start")) ? here : here.getParent();
    }

    /** {@code scripts/wkr-serving-start}, as a user of the getting-started guide runs it. */
    private static String launcher() {
        return checkout().resolve("scripts/wkr-serving-start").toString();
    }
}

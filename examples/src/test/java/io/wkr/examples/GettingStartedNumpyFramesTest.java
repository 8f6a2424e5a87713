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
 * The wkr-serving docs' getting-started example ("Calling service") with {@code
 * WKRClient(ip, port=..., port_out=..., protocol='numpy')}, frame for frame: Debian's {@code
 * python3} sends what the original client sends (reference §2.1 to §2.3, §2.9, §6.1): the
 * constructor's {@code SHOW_CONFIG} once, its reply read with {@code force_protocol='obj'} (a
 * pickled dict), then {@code bc.encode(np.zeros((5, 5)))} as {@code send_ndarray} sends it (the
 * array's raw memory, info {@code jsonapi.dumps({"dtype": "float64", "shape": (5, 5)})}), to a
 * server started by {@code wkr-serving-start -protocol numpy} through scripts/wkr-serving-start with the example echo worker ({@link EchoWorker}),
 * and reads the reply as {@code recv_ndarray} does ({@code np.frombuffer(frame2,
 * dtype=info['dtype']).reshape(info['shape'])}).
 */
@Timeout(120)
class GettingStartedNumpyFramesTest {
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
            "def decode_ndarray(frames):                                   # protocol.py recv_ndarray",
            "    if frames[3] == b'EXCEPTION': raise Exception(frames[2].decode())",
            "    info = json.loads(frames[3])",
            "    return np.frombuffer(frames[2], dtype=info['dtype']).reshape(info['shape'])",
            "# 1. the constructor's checks: [identity, b'1', b'SHOW_CONFIG', b'\"{}\"'], read with force_protocol='obj'.",
            "# Sent once, at once, as the client does: port_out holds the reply until the subscription arrives.",
            "sender.send_multipart([identity, b'1', b'SHOW_CONFIG', b'\"{}\"'])",
            "frames = recv(b'1', 30000)",
            "assert frames is not None, 'the handshake reply was lost'",
            "status = decode_object(frames)",
            "assert status['protocol'] == 'numpy' and status['server_version'] == '2.1.0', status",
            "print('status', status['protocol'], status['server_version'])",
            "# 2. bc.encode(np.zeros((5, 5))): send_ndarray, with the current pyzmq's jsonapi spacing",
            "x = np.zeros((5, 5))",
            "info = json.dumps({'dtype': str(x.dtype), 'shape': x.shape}).encode()",
            "assert info == b'{\"dtype\": \"float64\", \"shape\": [5, 5]}', info",
            "sender.send_multipart([identity, b'2', x, info])         # the array's own buffer, as pyzmq sends it",
            "r = decode_ndarray(recv(b'2', 30000))",
            "assert r.dtype == np.float64 and r.shape == (5, 5) and np.array_equal(r, x), r",
            "print('encode', r.dtype, r.shape)",
            "# 3. the same in older pyzmq's compact JSON, float32",
            "y = np.arange(6, dtype=np.float32).reshape(2, 3)",
            "sender.send_multipart([identity, b'3', y.tobytes(), b'{\"dtype\":\"float32\",\"shape\":[2,3]}'])",
            "r = decode_ndarray(recv(b'3', 30000))",
            "assert r.dtype == np.float32 and np.array_equal(r, y), r",
            "print('compact', r.dtype, r.shape)");

    @Test
    void shouldAnswerTheGettingStartedExampleInTheNumpyProtocol() throws Exception {
        try (CliProcess server = CliProcess.startCommand(dir, List.of(launcher(), EchoWorker.class.getName(),
                "-cp", checkout().resolve("examples/target/classes").toString(),
                "-port_in", "0", "-port_out", "0", "-ip", "127.0.0.1", "-protocol", "numpy",
                "-token_file", dir.resolve("admin.token").toString()))) {
            int[] ports = server.awaitReady(WAIT);
            String out = DebianPython.run(CLIENT.replace("PORTS", ports[0] + ", " + ports[1]), new byte[0], WAIT);
            assertThat(out).contains("status numpy 2.1.0").contains("encode float64 (5, 5)").contains("compact float32 (2, 3)");
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

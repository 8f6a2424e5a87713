package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.client.WKRClient;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.testing.DebianPython;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The original Python client's default {@code obj} protocol against a real {@code -protocol obj}
 * server with an echo worker: Debian's {@code python3} with {@code python3-zmq} sends exactly the
 * client's frames ({@code [identity, req_id, pickle.dumps(x, p), {"protocol": -1, "compress":
 * c}]}, reference §2.1 to §2.3) and reads the reply with {@code pickle.loads} as the client does
 * (§2.2: json info, zlib when {@code compress}), for pickle protocols 2 to 5, compressed and not.
 * Hostile pickles get {@code BAD_REQUEST} naming the refused global and run nothing; a Java
 * client speaks Kryo to the same server.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class PythonPickleClientTest {
    @TempDir Path dir;
    private WKRServer server;
    private final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();

    @BeforeEach
    void start() {
        server = TestServers.start(TestServers.config(dir).protocol(Protocol.OBJ).build(), () -> new ScriptedWorker(controls));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    /** The client's frames, the handshake sent once (port_out holds its reply until the subscription arrives). */
    private static final String CLIENT = String.join("\n",
            "import json, os, pickle, sys, uuid, zlib, zmq, numpy as np",
            "host, port, port_out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
            "ctx = zmq.Context()",
            "identity = str(uuid.uuid4()).encode('ascii')",
            "sender = ctx.socket(zmq.PUSH); sender.setsockopt(zmq.LINGER, 0); sender.connect('tcp://%s:%d' % (host, port))",
            "receiver = ctx.socket(zmq.SUB); receiver.setsockopt(zmq.LINGER, 0)",
            "receiver.setsockopt(zmq.SUBSCRIBE, identity); receiver.connect('tcp://%s:%d' % (host, port_out))",
            "request_id = 0",
            "def send(payload, info):",
            "    global request_id",
            "    request_id += 1",
            "    sender.send_multipart([identity, b'%d' % request_id, payload, info])",
            "    return b'%d' % request_id",
            "def recv(rid, timeout_ms=15000):",
            "    while True:  # like the client, set aside replies to other ids",
            "        if not receiver.poll(timeout_ms): raise TimeoutError('no reply to %s' % rid)",
            "        frames = receiver.recv_multipart()",
            "        assert len(frames) == 4 and frames[0] == identity, frames[:2]",
            "        if frames[1] == rid: return frames",
            "rid = send(b'SHOW_CONFIG', b'\"{}\"')  # once, at once, as the client's constructor sends it",
            "status_frames = recv(rid)",
            "assert pickle.loads(status_frames[2])['protocol'] == 'obj'",
            "def encode(obj, protocol, compress):",
            "    p = pickle.dumps(obj, protocol)",
            "    rid = send(zlib.compress(p) if compress else p, json.dumps({'protocol': -1, 'compress': compress}).encode())",
            "    frames = recv(rid)",
            "    if frames[3] == b'EXCEPTION': raise Exception(frames[2].decode())",
            "    info = json.loads(frames[3])",
            "    payload = zlib.decompress(frames[2]) if info['compress'] == 1 else frames[2]",
            "    return pickle.loads(payload)",
            "def same(a, b, path=''):",
            "    if isinstance(a, np.ndarray):",
            "        assert isinstance(b, np.ndarray) and a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b), (path, a, b)",
            "    elif isinstance(a, dict):",
            "        assert type(b) is dict and set(a) == set(b), (path, a, b)",
            "        for k in a: same(a[k], b[k], path + '/' + str(k))",
            "    elif isinstance(a, (list, tuple)):",
            "        assert type(a) is type(b) and len(a) == len(b), (path, a, b)",
            "        for i, (x, y) in enumerate(zip(a, b)): same(x, y, '%s/%d' % (path, i))",
            "    else:",
            "        assert type(a) is type(b) and a == b, (path, a, b)",
            "values = [np.zeros((5, 5)), np.arange(12, dtype=np.float32).reshape(3, 4), np.array([1, 2, 255], dtype=np.uint8),",
            "    {'a': 1, 'b': [1.5, 'x', None], 'c': (True, False)}, [1, 2, 3], (1, 'two', 3.0), 'h\\u00e9llo', b'\\x00\\xff',",
            "    2 ** 70, -7, 0.1, True, False, None, {'img': np.ones((2, 2, 3), dtype=np.uint8), 'id': 'x'}]",
            "n = 0",
            "for protocol in (2, 3, 4, 5):",
            "    for compress in (0, 1):",
            "        for v in values:",
            "            same(v, encode(v, protocol, compress), 'protocol %d compress %d' % (protocol, compress))",
            "            n += 1",
            "print('round trips', n)",
            "# the getting-started call: bc.encode(np.zeros((5, 5))) with the client's defaults",
            "r = encode(np.zeros((5, 5)), pickle.HIGHEST_PROTOCOL, 0)",
            "assert isinstance(r, np.ndarray) and np.array_equal(r, np.zeros((5, 5))) and r.dtype == np.float64",
            "class Call:",
            "    def __init__(self, f, *args): self.f, self.args = f, args",
            "    def __reduce__(self): return (self.f, self.args)",
            "marker = sys.argv[4]",
            "for evil, name in [(Call(os.system, 'touch ' + marker), 'posix.system'), (Call(eval, 'open(%r, \"w\")' % marker), 'builtins.eval'),",
            "        (Call(__import__('subprocess').Popen, ['touch', marker]), 'subprocess.Popen')]:",
            "    rid = send(pickle.dumps(evil, 4), b'{\"protocol\": -1, \"compress\": 0}')",
            "    frames = recv(rid)",
            "    text = frames[2].decode()",
            "    assert frames[3] == b'EXCEPTION' and text.startswith('BAD_REQUEST') and name in text, frames",
            "class Unknown: pass",
            "deep = 0",
            "for i in range(100): deep = [deep]",
            "wide = [0] * 10",
            "for i in range(30): wide = [wide] * 10",
            "for bomb, why in [(Unknown(), '__main__.Unknown'), (deep, 'maxDepth'), (wide, 'bytes of heap')]:",
            "    rid = send(pickle.dumps(bomb, 4), b'{\"protocol\": -1, \"compress\": 0}')",
            "    frames = recv(rid)",
            "    assert frames[3] == b'EXCEPTION' and frames[2].startswith(b'BAD_REQUEST') and why.encode() in frames[2], frames",
            "rid = send(zlib.compress(pickle.dumps(bytes(64 << 20))), b'{\"protocol\": -1, \"compress\": 1}')",
            "frames = recv(rid)",
            "assert frames[3] == b'EXCEPTION' and b'inflates to more than' in frames[2], frames",
            "same([1, 'still serving'], encode([1, 'still serving'], 5, 0))",
            "assert not os.path.exists(marker)",
            "print('ok')");

    @Test
    void shouldServeTheOriginalPythonClientsPicklesAndAJavaClientsKryoOnOneServer() throws Exception {
        Path marker = dir.resolve("pwned");
        String out = DebianPython.run(CLIENT.replace("sys.argv[1], int(sys.argv[2]), int(sys.argv[3])",
                        "'127.0.0.1', " + server.portIn() + ", " + server.portOut()).replace("sys.argv[4]", "'" + marker + "'"),
                new byte[0], Duration.ofSeconds(100));
        assertThat(out).contains("round trips 120").contains("ok");
        assertThat(marker).doesNotExist();
        // the worker saw Java values: a numpy array as a Tensor, a dict as a Map
        assertThat(controls.seen).anySatisfy(v -> assertThat(v).isInstanceOfSatisfying(Tensor.class,
                t -> assertThat(t.shape()).containsExactly(5, 5)));
        assertThat(controls.seen).anySatisfy(v -> assertThat(v).isInstanceOf(Map.class));
        try (WKRClient java = new WKRClient(TestServers.client(server).build())) {
            assertThat(java.encode(List.of("kryo", 1))).isEqualTo(List.of("kryo", 1));
            assertThat(java.encode(Tensor.of(new float[] {1, 2}))).isEqualTo(Tensor.of(new float[] {1, 2}));
        }
    }
}

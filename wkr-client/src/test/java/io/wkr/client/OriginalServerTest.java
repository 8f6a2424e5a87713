package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.protocol.DType;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.WKRException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Java {@link WKRClient} with its default checks calling an original-protocol Python server
 * (reference §2): a small server Debian's {@code python3} runs with {@code python3-zmq} and numpy,
 * PULL on {@code port_in} and PUB on {@code port_out}, answering {@code SHOW_CONFIG} with {@code
 * pickle.dumps(status)} and info {@code {"protocol": -1, "compress": 0}} after the original sink's
 * 100 ms, and echoing data requests in the original's reply frames ({@code numpy}: raw bytes and
 * {@code {"dtype", "shape"}}; {@code obj}: {@code pickle.dumps(x, -1)}). It reads every request as
 * the original does ({@code np.frombuffer}; {@code json.loads}, zlib, {@code pickle.loads}) and
 * prints what it got; it ends when its standard input closes and prints its counts.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class OriginalServerTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    private static final String SERVER = String.join("\n",
            "import json, os, pickle, sys, time, zlib, zmq, numpy as np",
            "class Hostile:                                                   # what an original server could send back",
            "    def __reduce__(self): return (os.system, ('echo pwned',))",
            "protocol, version = sys.argv[1], sys.argv[2]",
            "ctx = zmq.Context()",
            "frontend = ctx.socket(zmq.PULL); port = frontend.bind_to_random_port('tcp://127.0.0.1')",
            "sender = ctx.socket(zmq.PUB); port_out = sender.bind_to_random_port('tcp://127.0.0.1')",
            "print('ports', port, port_out, flush=True)",
            "poller = zmq.Poller(); poller.register(frontend, zmq.POLLIN); poller.register(sys.stdin, zmq.POLLIN)",
            "status_requests = data_requests = answers = 0",
            "def describe(x):",
            "    if isinstance(x, np.ndarray): return 'ndarray %s %s %s' % (x.dtype, list(x.shape), x.flags.writeable)",
            "    if isinstance(x, dict): return '{' + ', '.join('%s: %s' % (k, describe(v)) for k, v in x.items()) + '}'",
            "    if isinstance(x, list): return '[' + ', '.join(describe(v) for v in x) + ']'",
            "    return '%s %r' % (type(x).__name__, x)",
            "while True:",
            "    ready = dict(poller.poll())",
            "    if sys.stdin.fileno() in ready or sys.stdin in ready:",
            "        if not sys.stdin.buffer.read1(1): break",
            "    if frontend not in ready: continue",
            "    client, req_id, msg, msg_info = frontend.recv_multipart()",
            "    if msg == b'SHOW_CONFIG':                                  # navigator + sink (reference 2.10)",
            "        status_requests += 1",
            "        status = {'client': client.decode(), 'protocol': protocol, 'server_version': version,",
            "                  'main_batch_size': 10, 'main_device_map': [-1], 'num_worker': 1,",
            "                  'statistic': {'avg_request_per_second': np.float64(1.5)},",
            "                  'statistic_postsink': {'util': np.float64(0.25), 'total_processed_job': 3},",
            "                  'python_version': sys.version, 'pyzmq_version': zmq.pyzmq_version()}",
            "        time.sleep(0.1)                                          # the original sink's sleep",
            "        sender.send_multipart([client, req_id, pickle.dumps(status), json.dumps({'protocol': -1, 'compress': 0}).encode()])",
            "        answers += 1",
            "        continue",
            "    data_requests += 1",
            "    print('info', msg_info.decode(), flush=True)",
            "    if protocol == 'numpy':                                      # recv_ndarray / send_ndarray",
            "        info = json.loads(msg_info)",
            "        x = np.frombuffer(msg, dtype=info['dtype']).reshape(info['shape'])",
            "        out = [msg, json.dumps({'dtype': str(x.dtype), 'shape': x.shape}).encode()]",
            "        print('got', describe(x), flush=True)",
            "    else:                                                        # decode_object / send_object",
            "        info = json.loads(msg_info)",
            "        x = pickle.loads(zlib.decompress(msg) if info['compress'] == 1 else msg)",
            "        print('got', describe(x), flush=True)",
            "        if x == 'hostile': x = Hostile()",
            "        if x == 'compress': out = [zlib.compress(pickle.dumps(x, protocol=-1)), json.dumps({'protocol': -1, 'compress': 1}).encode()]",
            "        else: out = [pickle.dumps(x, protocol=-1), json.dumps({'protocol': -1, 'compress': 0}).encode()]",
            "    sender.send_multipart([client, req_id] + out)",
            "    answers += 1",
            "print('counts', status_requests, data_requests, answers, flush=True)");

    @TempDir Path dir;

    /** The Python server, its ports, and what it printed once it ended. */
    private static final class PythonServer implements AutoCloseable {
        final Process process;
        final BufferedReader out;
        final int port;
        final int portOut;
        final Path err;

        PythonServer(Path dir, String protocol, String version) throws IOException {
            err = Files.createTempFile(dir, "server-", ".err");
            process = new ProcessBuilder(PYTHON.toString(), "-c", SERVER, protocol, version)
                    .redirectError(err.toFile()).start();
            out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            String first = out.readLine();
            assertThat(first).as("the server's ports; stderr: %s", Files.readString(err)).startsWith("ports ");
            String[] w = first.split(" ");
            port = Integer.parseInt(w[1]);
            portOut = Integer.parseInt(w[2]);
        }

        /** Closes its standard input, waits for it to end, and returns the lines it printed after the ports. */
        List<String> finish() throws IOException, InterruptedException {
            process.getOutputStream().close();
            List<String> lines = new ArrayList<>();
            for (String l; (l = out.readLine()) != null; ) lines.add(l);
            assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
            assertThat(process.exitValue()).as("python failed: %s", Files.readString(err)).isZero();
            return lines;
        }

        @Override
        public void close() {
            process.destroyForcibly();
        }
    }

    private static ClientConfig.Builder config(PythonServer server, Protocol protocol) {
        return ClientConfig.builder("127.0.0.1", server.port, server.portOut).protocol(protocol).timeout(TIMEOUT);
    }

    private static Tensor floats(int rows, int cols, float start) {
        float[] v = new float[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = start + i;
        return Tensor.of(v, rows, cols);
    }

    private static List<String> starting(List<String> lines, String prefix) {
        return lines.stream().filter(l -> l.startsWith(prefix)).toList();
    }

    /** The counts line: status requests (at least one handshake), data requests, answers. */
    private static void assertCounts(List<String> lines, int data) {
        List<String> counts = starting(lines, "counts ");
        assertThat(counts).hasSize(1);
        String[] w = counts.get(0).split(" ");
        int status = Integer.parseInt(w[1]);
        assertThat(status).isGreaterThanOrEqualTo(2); // the handshake, and serverStatus()
        assertThat(Integer.parseInt(w[2])).isEqualTo(data);
        assertThat(Integer.parseInt(w[3])).isEqualTo(status + data);
    }

    @Test
    void shouldCallAnOriginalNumpyServerWithDefaultChecks() throws Exception {
        try (PythonServer server = new PythonServer(dir, "numpy", "2.1.0")) {
            try (WKRClient client = new WKRClient(config(server, Protocol.NUMPY).build())) {
                assertThat(client.serverStatusAtConnect()).containsEntry("protocol", "numpy")
                        .containsEntry("server_version", "2.1.0").doesNotContainKey("wkr_version");
                for (int i = 0; i < 5; i++) {
                    Tensor in = floats(5, 5, i);
                    Tensor out = (Tensor) client.encode(in);
                    assertThat(out.dtype()).isEqualTo(DType.FLOAT32);
                    assertThat(out.shape()).containsExactly(5, 5);
                    assertThat(out.toFloatArray()).containsExactly(in.toFloatArray());
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> stats = (Map<String, Object>) client.serverStatus().get("statistic_postsink");
                assertThat(stats).containsEntry("util", 0.25).containsEntry("total_processed_job", 3L);
            }
            List<String> lines = server.finish();
            assertCounts(lines, 5);
            // the original's numpy info, no wkr deadline key; arrays as numpy reads them
            assertThat(starting(lines, "info ")).hasSize(5).allMatch(l -> l.equals("info {\"dtype\":\"float32\",\"shape\":[5,5]}")
                    || l.equals("info {\"dtype\": \"float32\", \"shape\": [5, 5]}"), "the original's numpy info");
            assertThat(starting(lines, "got ")).hasSize(5).allMatch(l -> l.endsWith("ndarray float32 [5, 5] False"));
        }
    }

    @Test
    void shouldCallAnOriginalObjServerInPicklesWithDefaultChecks() throws Exception {
        try (PythonServer server = new PythonServer(dir, "obj", "2.1.0")) {
            Map<String, Object> mix = new LinkedHashMap<>();
            mix.put("name", "zeros");
            mix.put("array", floats(2, 3, 0.5f));
            mix.put("list", List.of(1L, "two", 3.0));
            mix.put("nested", Map.of("ok", true));
            try (WKRClient client = new WKRClient(config(server, Protocol.OBJ).build())) {
                assertThat(client.serverStatusAtConnect()).containsEntry("protocol", "obj").doesNotContainKey("wkr_version");
                Tensor t = (Tensor) client.encode(floats(5, 5, 0));
                assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
                assertThat(t.shape()).containsExactly(5, 5);
                assertThat(t.toFloatArray()).containsExactly(floats(5, 5, 0).toFloatArray());
                assertThat(client.encode("hello")).isEqualTo("hello");
                @SuppressWarnings("unchecked")
                Map<String, Object> back = (Map<String, Object>) client.encode(mix);
                assertThat(back).containsOnlyKeys("name", "array", "list", "nested").containsEntry("name", "zeros")
                        .containsEntry("list", List.of(1L, "two", 3.0)).containsEntry("nested", Map.of("ok", true));
                Tensor a = (Tensor) back.get("array");
                assertThat(a.shape()).containsExactly(2, 3);
                assertThat(a.toFloatArray()).containsExactly(floats(2, 3, 0.5f).toFloatArray());
                assertThat(client.encode(List.of("a", 2L))).isEqualTo(List.of("a", 2L));
                assertThat(client.encode("compress")).isEqualTo("compress");
                // a reply naming a global outside the allow-list runs nothing here and fails that call only
                assertThatThrownBy(() -> client.encode("hostile")).isInstanceOf(WKRException.class)
                        .hasMessageContaining("cannot decode the reply").hasMessageContaining("posix.system is not allowed");
                assertThat(client.encode("after")).isEqualTo("after");
                assertThat(client.serverStatus()).containsEntry("protocol", "obj");
            }
            List<String> lines = server.finish();
            assertCounts(lines, 7);
            assertThat(starting(lines, "info ")).hasSize(7).allMatch(l -> l.equals("info {\"protocol\":-1,\"compress\":0}"),
                    "the original's obj info");
            assertThat(starting(lines, "got ")).containsExactly(
                    "got ndarray float32 [5, 5] True",
                    "got str 'hello'",
                    "got {name: str 'zeros', array: ndarray float32 [2, 3] True, list: [int 1, str 'two', float 3.0], "
                            + "nested: {ok: bool True}}",
                    "got [str 'a', int 2]",
                    "got str 'compress'",
                    "got str 'hostile'",
                    "got str 'after'");
        }
    }

    @Test
    void shouldRefuseAnOriginalServerOfTheOtherProtocolOrMajorVersion() throws Exception {
        try (PythonServer server = new PythonServer(dir, "numpy", "2.1.0")) {
            assertThatThrownBy(() -> new WKRClient(config(server, Protocol.OBJ).build()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("protocol mismatch")
                    .hasMessageContaining("original Python server numpy");
        }
        try (PythonServer server = new PythonServer(dir, "numpy", "3.0.0")) {
            assertThatThrownBy(() -> new WKRClient(config(server, Protocol.NUMPY).build()))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("version mismatch")
                    .hasMessageContaining("server 3.0.0 (server_version)");
            try (WKRClient client = new WKRClient(config(server, Protocol.NUMPY).checkVersion(false).build())) {
                assertThat(((Tensor) client.encode(floats(1, 2, 0))).toFloatArray()).containsExactly(0f, 1f);
            }
        }
    }
}

package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.Wire;
import io.wkr.server.testing.RawPeer;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Replays the exact frames the original Python {@code WKRClient(protocol='numpy')} sends (spec
 * §2.3, §2.9, §2.10 of the reference) and checks the exact frames that come back. The pickled
 * status is read by a real Python interpreter, the way the original client reads it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PythonCompatTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    /** str(uuid.uuid4()).encode('ascii'), the Python client's default identity. */
    private static final String IDENTITY = "3f2b6c1e-8d4a-4e57-9b0c-2a61d7e9f405";

    @TempDir Path dir;
    private WKRServer server;
    private RawPeer python;

    @BeforeEach
    void start() {
        ScriptedWorker.Controls controls = new ScriptedWorker.Controls();
        server = TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).build(),
                () -> new ScriptedWorker(controls));
        python = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), IDENTITY);
        python.handshake(WAIT); // the real client races here; the test must not
    }

    @AfterEach
    void stop() {
        python.close();
        server.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldAnswerANumpyRequestWithTheExactFramesThePythonClientDecodes() {
        float[] values = new float[25];
        for (int i = 0; i < 25; i++) values[i] = i; // np.arange(25, dtype=np.float32).reshape(5, 5)
        byte[] raw = Tensor.of(values).bytes();
        // pyzmq >= 22.2 spelling, then the compact spelling of older pyzmq
        for (String info : List.of("{\"dtype\": \"float32\", \"shape\": [5, 5]}", "{\"dtype\":\"float32\",\"shape\":[5,5]}")) {
            python.send(ascii(IDENTITY), ascii("2"), raw, ascii(info));
            List<byte[]> reply = python.receive(WAIT);
            assertThat(reply).hasSize(4);
            assertThat(reply.get(0)).isEqualTo(ascii(IDENTITY));
            assertThat(reply.get(1)).isEqualTo(ascii("2"));
            assertThat(reply.get(2)).isEqualTo(raw);
            assertThat(new String(reply.get(3), StandardCharsets.US_ASCII)).isEqualTo("{\"dtype\":\"float32\",\"shape\":[5,5]}");
        }
    }

    @Test
    void shouldAnswerAnErrorAsTheExceptionMarkerWithText() {
        python.send(ascii(IDENTITY), ascii("3"), new byte[4], ascii("{\"dtype\": \"float32\", \"shape\": [5, 5]}"));
        List<byte[]> reply = python.receive(WAIT);
        assertThat(reply.get(1)).isEqualTo(ascii("3"));
        assertThat(reply.get(3)).isEqualTo(ascii("EXCEPTION"));
        assertThat(new String(reply.get(2), StandardCharsets.UTF_8)).isEqualTo("BAD_REQUEST: shape [5, 5] of float32 needs 100 bytes, got 4");
    }

    @Test
    void shouldAnswerShowConfigWithAPickledDictThePythonClientAccepts() throws Exception {
        python.send(ascii(IDENTITY), ascii("1"), ascii("SHOW_CONFIG"), ascii("\"{}\""));
        List<byte[]> reply = python.receive(WAIT);
        assertThat(reply).hasSize(4);
        assertThat(reply.get(0)).isEqualTo(ascii(IDENTITY));
        assertThat(reply.get(1)).isEqualTo(ascii("1"));
        assertThat(reply.get(3)).isEqualTo(Wire.PICKLE_INFO);
        byte[] pickle = reply.get(2);
        assertThat(pickle[0] & 0xff).isEqualTo(0x80);
        assertThat(pickle[pickle.length - 1]).isEqualTo((byte) '.');

        // What the Python client does with it: json.loads(info); pickle.loads(payload); checks.
        String script = String.join("\n",
                "import json, pickle, sys",
                "info = json.loads(open(sys.argv[1], 'rb').read())",
                "assert info['compress'] == 0",
                "d = pickle.loads(open(sys.argv[2], 'rb').read())",
                "assert isinstance(d, dict)",
                "print(d['protocol'], d['server_version'], d['num_worker'], d['batch_size'], type(d['statistic']).__name__,"
                        + " d['client'], d['uptime_seconds'] >= 0, d['http_port'])");
        String out = runPython(script, reply.get(3), pickle);
        assertThat(out.strip()).isEqualTo("numpy 2.1.0 1 10 dict " + IDENTITY + " True None");
    }

    private String runPython(String script, byte[] info, byte[] pickle) throws IOException, InterruptedException {
        Path scriptFile = Files.writeString(dir.resolve("check.py"), script);
        Path infoFile = Files.write(dir.resolve("info.bin"), info);
        Path pickleFile = Files.write(dir.resolve("status.pickle"), pickle);
        Process p;
        try {
            p = new ProcessBuilder("python3", scriptFile.toString(), infoFile.toString(), pickleFile.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            assumeTrue(false, "python3 is not installed: " + e.getMessage());
            throw e;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        p.getInputStream().transferTo(out);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        String text = out.toString(StandardCharsets.UTF_8);
        assertThat(p.exitValue()).as(text).isZero();
        return text;
    }
}

package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.DType;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.Wire;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.RawPeer;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every kind of bad input is answered {@code BAD_REQUEST} when a sender can be named, or logged
 * and dropped otherwise, and a correct request right after it succeeds.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class BadInputTest {
    private static final Duration WAIT = Duration.ofSeconds(10);
    private static final byte[] GOOD_INFO = ascii("{\"dtype\":\"float32\",\"shape\":[2]}");

    @TempDir Path dir;
    private WKRServer server;
    private RawPeer peer;
    private int nextId = 1;

    private void startServer(Protocol protocol) {
        ScriptedWorker.Controls controls = new ScriptedWorker.Controls();
        server = TestServers.start(TestServers.config(dir).protocol(protocol).maxRequestBytes(1024).build(),
                () -> new ScriptedWorker(controls));
        peer = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "bad-input-peer");
        peer.handshake(WAIT);
    }

    @AfterEach
    void stop() {
        if (peer != null) peer.close();
        if (server != null) server.close();
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private byte[] id() {
        return ascii(Integer.toString(nextId++));
    }

    /** Sends frames and returns the error text of the reply. */
    private String errorFor(byte[]... frames) {
        peer.send(frames);
        List<byte[]> reply = peer.receive(WAIT);
        assertThat(reply).as("a reply").isNotNull().hasSize(4);
        assertThat(reply.get(3)).isEqualTo(Wire.EXCEPTION);
        return new String(reply.get(2), StandardCharsets.UTF_8);
    }

    /** A correct numpy request right after: must be answered with the same tensor. */
    private void assertStillServes() {
        Tensor t = Tensor.of(new float[] {1.5f, -2f});
        byte[] rid = id();
        peer.send(peer.identity(), rid, t.bytes(), GOOD_INFO);
        List<byte[]> reply = peer.receive(WAIT);
        assertThat(reply).as("reply to a good request").isNotNull();
        assertThat(reply.get(1)).isEqualTo(rid);
        assertThat(reply.get(2)).isEqualTo(t.bytes());
        assertThat(new String(reply.get(3), StandardCharsets.US_ASCII)).isEqualTo("{\"dtype\":\"float32\",\"shape\":[2]}");
    }

    @Test
    void shouldAnswerBadRequestToThreeAndFiveFrameMessages() {
        startServer(Protocol.NUMPY);
        assertThat(errorFor(peer.identity(), id(), new byte[8]))
                .startsWith("BAD_REQUEST: expected 4 frames").endsWith("got 3");
        assertStillServes();
        assertThat(errorFor(peer.identity(), id(), new byte[8], GOOD_INFO, ascii("extra")))
                .startsWith("BAD_REQUEST: expected 4 frames").endsWith("got 5");
        assertStillServes();
    }

    @Test
    void shouldAnswerBadRequestToGarbageInfoJson() {
        startServer(Protocol.NUMPY);
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("{\"dtype\": float32")))
                .startsWith("BAD_REQUEST: info frame is not a JSON object");
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("[1,2]")))
                .startsWith("BAD_REQUEST: info frame is not a JSON object");
        assertStillServes();
    }

    @Test
    void shouldAnswerBadRequestToAnUnknownDtype() {
        startServer(Protocol.NUMPY);
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("{\"dtype\":\"complex512\",\"shape\":[2]}")))
                .startsWith("BAD_REQUEST: unknown dtype 'complex512'");
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("{\"dtype\":\">f4\",\"shape\":[2]}")))
                .contains("big-endian");
        assertStillServes();
    }

    @Test
    void shouldAnswerBadRequestToAShapeThatDoesNotMatchTheBytes() {
        startServer(Protocol.NUMPY);
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("{\"dtype\":\"float32\",\"shape\":[5]}")))
                .isEqualTo("BAD_REQUEST: shape [5] of float32 needs 20 bytes, got 8");
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("{\"dtype\":\"float32\",\"shape\":[-2]}")))
                .startsWith("BAD_REQUEST:");
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("{\"dtype\":\"float32\",\"shape\":\"2\"}")))
                .startsWith("BAD_REQUEST: numpy protocol: info needs a list 'shape'");
        assertThat(errorFor(peer.identity(), id(), new byte[8], ascii("{\"shape\":[2]}")))
                .startsWith("BAD_REQUEST: numpy protocol: info needs a string 'dtype'");
        assertStillServes();
    }

    @Test
    void shouldAnswerBadRequestToAnOversizedPayload() {
        startServer(Protocol.NUMPY);
        assertThat(errorFor(peer.identity(), id(), new byte[2000], ascii("{\"dtype\":\"uint8\",\"shape\":[2000]}")))
                .isEqualTo("BAD_REQUEST: payload of 2000 bytes exceeds the server's limit of 1024 bytes");
        assertStillServes();
    }

    @Test
    void shouldAnswerAPickledObjPayloadInPickleAndRefuseAPickleNamingAnythingOffTheAllowList() {
        startServer(Protocol.OBJ);
        byte[] pickleInfo = ascii("{\"protocol\": -1, \"compress\": 0}");
        // pickle.dumps({'a': 1}, protocol=4) as the original Python client sends it in obj mode
        byte[] pickle = {(byte) 0x80, 4, (byte) 0x95, 10, 0, 0, 0, 0, 0, 0, 0, 125, (byte) 0x94, (byte) 0x8c, 1, 97,
            (byte) 0x94, 75, 1, 115, 46};
        byte[] rid = id();
        peer.send(peer.identity(), rid, pickle, pickleInfo);
        List<byte[]> reply = peer.receive(WAIT);
        assertThat(reply).isNotNull();
        assertThat(reply.get(3)).isEqualTo(Wire.PICKLE_INFO);
        assertThat(reply.get(2)[0] & 0xff).isEqualTo(0x80);
        // pickle.dumps(C(), 2) where C.__reduce__ returns (os.system, ('id',)): GLOBAL 'posix system'
        byte[] evil = {(byte) 0x80, 2, 'c', 'p', 'o', 's', 'i', 'x', '\n', 's', 'y', 's', 't', 'e', 'm', '\n', 'X', 2, 0, 0, 0,
            'i', 'd', (byte) 0x85, 'R', '.'};
        assertThat(errorFor(peer.identity(), id(), evil, pickleInfo))
                .startsWith("BAD_REQUEST: pickle: the global posix.system is not allowed");
        assertStillServesObj();
    }

    @Test
    void shouldAnswerBadRequestToKryoBytesNamingAnUnregisteredClassOrLyingAboutLengths() {
        startServer(Protocol.OBJ);
        byte[] kryoInfo = ascii("{\"codec\":\"kryo\"}");
        // class id 5000 (varint, +2 offset) is registered nowhere
        assertThat(errorFor(peer.identity(), id(), new byte[] {(byte) 0x8a, 0x27, 1, 2, 3}, kryoInfo))
                .startsWith("BAD_REQUEST: obj protocol: cannot decode payload");
        // byte[] (id 20 -> 22 on the wire) claiming ~268 M elements in 6 bytes
        assertThat(errorFor(peer.identity(), id(), new byte[] {22, (byte) 0xff, (byte) 0xff, (byte) 0xff, 0x7f, 1}, kryoInfo))
                .startsWith("BAD_REQUEST: obj protocol: cannot decode payload").contains("exceeds");
        assertStillServesObj();
    }

    private void assertStillServesObj() {
        io.wkr.protocol.PayloadCodec codec = io.wkr.protocol.PayloadCodec.of(Protocol.OBJ, List.of());
        io.wkr.protocol.PayloadCodec.Encoded enc = codec.encode("fine", 0);
        byte[] rid = id();
        peer.send(peer.identity(), rid, enc.payload(), enc.info());
        List<byte[]> reply = peer.receive(WAIT);
        assertThat(reply).isNotNull();
        assertThat(reply.get(1)).isEqualTo(rid);
        assertThat(reply.get(2)).isEqualTo(enc.payload());
    }

    @Test
    void shouldDropMessagesWithNoSenderAndAnswerRandomBytesFromANamedOne() {
        startServer(Protocol.NUMPY);
        Random random = new Random(42);
        byte[] junk = new byte[100];
        random.nextBytes(junk);
        long before = server.snapshot().requests().malformed();
        peer.send(junk); // one frame: no sender to name
        peer.send(new byte[0], id(), new byte[8], GOOD_INFO); // empty identity
        Await.until(() -> server.snapshot().requests().malformed() == before + 2, WAIT, "two dropped messages");
        random.nextBytes(junk);
        assertThat(errorFor(peer.identity(), id(), junk, junk)).startsWith("BAD_REQUEST:");
        assertThat(errorFor(peer.identity(), junk, junk, junk, junk, junk)).startsWith("BAD_REQUEST: expected 4 frames");
        assertStillServes();
        assertThat(server.state()).isEqualTo(WKRServer.State.READY);
    }

    @Test
    void shouldAnswerBadRequestWhenTheInputHasTheWrongTypeForTheWorker() {
        server = TestServers.start(TestServers.config(dir).protocol(Protocol.OBJ).build(), TypedWorker::new);
        peer = new RawPeer("127.0.0.1", server.portIn(), server.portOut(), "typed-peer");
        peer.handshake(WAIT);
        io.wkr.protocol.PayloadCodec codec = io.wkr.protocol.PayloadCodec.of(Protocol.OBJ, List.of());
        io.wkr.protocol.PayloadCodec.Encoded enc = codec.encode(new int[] {1}, 0);
        assertThat(errorFor(peer.identity(), id(), enc.payload(), enc.info()))
                .isEqualTo("BAD_REQUEST: this worker takes String inputs, got int[]");
        assertThat(server.snapshot().batches().count()).as("the model never ran").isZero();
        assertStillServesObj();
    }

    /** Declares String inputs. */
    static final class TypedWorker extends WKRHardWorker<Void, String, String> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<String> predict(Void model, List<String> inputs) {
            return inputs;
        }

        @Override
        public Class<?> inputType() {
            return String.class;
        }
    }

    @Test
    void shouldRejectANumpyServerForAWorkerThatCannotTakeTensors() {
        WKRServer s = new WKRServer(TestServers.config(dir).protocol(Protocol.NUMPY).build(), TypedWorker::new);
        org.assertj.core.api.Assertions.assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("numpy protocol delivers io.wkr.protocol.Tensor");
        assertThat(DType.fromNumpy("<f4")).isEqualTo(DType.FLOAT32);
    }

    /** An obj payload ("x") with the given info frame. */
    private String answerWithInfo(String info) {
        io.wkr.protocol.PayloadCodec.Encoded x = io.wkr.protocol.PayloadCodec.of(Protocol.OBJ, List.of()).encode("x", 0);
        peer.send(peer.identity(), id(), x.payload(), ascii(info));
        List<byte[]> reply = peer.receive(WAIT);
        assertThat(reply).as("a reply").isNotNull().hasSize(4);
        if (java.util.Arrays.equals(reply.get(3), Wire.EXCEPTION)) return new String(reply.get(2), StandardCharsets.UTF_8);
        return "OK";
    }

    @Test
    void shouldSaturateHugeTimeoutsAndRefuseNegativeOrNonNumericOnes() {
        startServer(Protocol.OBJ);
        // 1e13 ms and more overflowed the deadline arithmetic: answered TIMEOUT at once
        assertThat(answerWithInfo("{\"codec\":\"kryo\",\"timeout_ms\":1e13}")).isEqualTo("OK");
        assertThat(answerWithInfo("{\"codec\":\"kryo\",\"timeout_ms\":9223372036854775807}")).isEqualTo("OK");
        assertThat(answerWithInfo("{\"codec\":\"kryo\",\"timeout_ms\":1e308}")).isEqualTo("OK");
        assertThat(answerWithInfo("{\"codec\":\"kryo\",\"timeout_ms\":5000}")).isEqualTo("OK");
        assertThat(answerWithInfo("{\"codec\":\"kryo\",\"timeout_ms\":-1}")).startsWith("BAD_REQUEST:")
                .contains("timeout_ms");
        assertThat(answerWithInfo("{\"codec\":\"kryo\",\"timeout_ms\":\"soon\"}")).startsWith("BAD_REQUEST:")
                .contains("timeout_ms");
        assertThat(server.snapshot().requests().errors(io.wkr.protocol.ErrorCode.TIMEOUT)).isZero();
    }

    @Test
    void shouldRefuseAnInfoFrameOverItsLimitWithoutQuotingIt() {
        startServer(Protocol.OBJ);
        String big = "{\"codec\":\"kryo\",\"pad\":\"" + "y".repeat(70_000) + "\"}";
        String error = answerWithInfo(big);
        assertThat(error).startsWith("BAD_REQUEST:").contains("info frame of 70").contains("65536");
        assertThat(error.length()).isLessThan(300);
        assertThat(answerWithInfo("{\"codec\":\"kryo\"}")).isEqualTo("OK");
    }
}

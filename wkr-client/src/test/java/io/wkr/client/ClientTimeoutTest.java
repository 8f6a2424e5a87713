package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.protocol.Wire;
import io.wkr.protocol.internal.Json;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** Timeouts too long for nanosecond arithmetic saturate instead of overflowing into "already late". */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientTimeoutTest {

    @Test
    void shouldSaturateHugeTimeouts() {
        for (Duration huge : List.of(Duration.ofSeconds(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration(),
                Duration.ofDays(365L * 300), Duration.ofMillis(Long.MAX_VALUE))) {
            ClientConfig c = ClientConfig.builder("localhost", 1, 2).timeout(huge).build();
            assertThat(c.timeout()).isEqualTo(ClientConfig.MAX_TIMEOUT);
            assertThat(c.timeout().toNanos()).isEqualTo(1L << 62);
        }
        Duration year = Duration.ofDays(365);
        assertThat(ClientConfig.builder("localhost", 1, 2).timeout(year).build().timeout()).isEqualTo(year);
    }

    /**
     * A stand-in for a wkr server on real sockets: answers status requests with a JSON status and
     * echoes data requests, recording each request's info frame.
     */
    static final class EchoServer implements AutoCloseable {
        final ZContext context = new ZContext(1);
        final ZMQ.Socket pull = context.createSocket(SocketType.PULL);
        final ZMQ.Socket pub = context.createSocket(SocketType.PUB);
        final int port = pull.bindToRandomPort("tcp://127.0.0.1");
        final int portOut = pub.bindToRandomPort("tcp://127.0.0.1");
        final BlockingQueue<Map<String, Object>> infos = new LinkedBlockingQueue<>();
        final AtomicBoolean running = new AtomicBoolean(true);
        final Thread thread = new Thread(this::serve, "echo-server");

        EchoServer() {
            pull.setReceiveTimeOut(50);
            thread.start();
        }

        private void serve() {
            while (running.get()) {
                byte[] identity = pull.recv(0);
                if (identity == null) continue;
                byte[] id = pull.recv(0);
                byte[] payload = pull.recv(0);
                byte[] info = pull.recv(0);
                byte[][] reply = Wire.is(payload, Wire.SHOW_CONFIG)
                        ? new byte[][] {identity, id, Json.writeBytes(Map.of("protocol", "obj", "wkr_version", Wire.WKR_VERSION)),
                                Json.writeBytes(Map.of("format", "json"))}
                        : new byte[][] {identity, id, payload, info};
                if (!Wire.is(payload, Wire.SHOW_CONFIG)) infos.add(Json.parseObject(info));
                for (int k = 0; k < 4; k++) pub.send(reply[k], k < 3 ? ZMQ.SNDMORE : 0);
            }
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            thread.join();
            context.close();
        }
    }

    @Test
    void shouldWaitForTheReplyWithATimeoutOfForever() throws Exception {
        try (EchoServer server = new EchoServer();
                WKRClient client = new WKRClient(ClientConfig.builder("127.0.0.1", server.port, server.portOut)
                        .protocol(Protocol.OBJ).timeout(Duration.ofSeconds(Long.MAX_VALUE)).build())) {
            assertThat(client.encode("hello")).isEqualTo("hello");
            assertThat(client.encodeAsync("again").get(30, TimeUnit.SECONDS)).isEqualTo("again");
            // sent as a deadline of about 146 years, which the server reads as none (over 100 years)
            Object ms = server.infos.take().get(Wire.INFO_TIMEOUT_MS);
            assertThat(ms).isEqualTo(ClientConfig.MAX_TIMEOUT.toMillis());
            assertThat((Long) ms).isGreaterThan(Duration.ofDays(36525).toMillis());
        }
    }
}

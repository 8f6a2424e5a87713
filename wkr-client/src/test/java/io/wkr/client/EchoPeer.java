package io.wkr.client;

import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Wire;
import io.wkr.protocol.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A stand-in for a wkr server on real sockets (a JeroMQ PULL and PUB on ephemeral loopback
 * ports): answers status requests with a JSON status and echoes data requests, recording each
 * data request. The request id is echoed as opaque bytes, as the server does.
 *
 * <p>With {@link #forge} set, every echo is preceded by replies to the same identity that this
 * client did not ask for: the request's counter alone as the id (what another client sharing the
 * identity sent when every client counted from 1) and the same counter under another connection's
 * prefix. They carry the payload {@value #FORGED}.
 */
final class EchoPeer implements AutoCloseable {
    static final String FORGED = "forged";

    /** One data request as it came in. */
    record Request(String identity, String id, Map<String, Object> info) {}

    final ZContext context = new ZContext(1);
    final ZMQ.Socket pull = context.createSocket(SocketType.PULL);
    final ZMQ.Socket pub = context.createSocket(SocketType.PUB);
    final int port = pull.bindToRandomPort("tcp://127.0.0.1");
    final int portOut = pub.bindToRandomPort("tcp://127.0.0.1");
    final BlockingQueue<Request> requests = new LinkedBlockingQueue<>();
    final AtomicBoolean running = new AtomicBoolean(true);
    volatile boolean forge;
    private final PayloadCodec.Encoded forged = PayloadCodec.of(Protocol.OBJ, List.of()).encode(FORGED, 0);
    private final Thread thread = new Thread(this::serve, "echo-peer");

    EchoPeer() {
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
            if (Wire.is(payload, Wire.SHOW_CONFIG)) {
                publish(identity, id, Json.writeBytes(Map.of("protocol", "obj", "wkr_version", Wire.WKR_VERSION)),
                        Json.writeBytes(Map.of("format", "json")));
                continue;
            }
            String text = new String(id, StandardCharsets.US_ASCII);
            requests.add(new Request(new String(identity, StandardCharsets.UTF_8), text, Json.parseObject(info)));
            if (forge) {
                String counter = text.substring(text.lastIndexOf('-') + 1);
                publish(identity, ascii(counter), forged.payload(), forged.info());
                publish(identity, ascii(otherPrefix(text) + counter), forged.payload(), forged.info());
            }
            publish(identity, id, payload, info);
        }
    }

    /** The id's prefix (up to its last '-') with its first character changed: another connection's. */
    private static String otherPrefix(String id) {
        int dash = id.lastIndexOf('-');
        if (dash <= 0) return "0123456789abcdef-";
        String prefix = id.substring(0, dash + 1);
        return (prefix.charAt(0) == '0' ? '1' : '0') + prefix.substring(1);
    }

    private void publish(byte[] identity, byte[] id, byte[] payload, byte[] info) {
        pub.send(identity, ZMQ.SNDMORE);
        pub.send(id, ZMQ.SNDMORE);
        pub.send(payload, ZMQ.SNDMORE);
        pub.send(info, 0);
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Override
    public void close() {
        running.set(false);
        try {
            thread.join(10_000); // it sees the flag within its 50 ms receive timeout
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        context.close();
    }
}

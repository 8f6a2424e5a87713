package io.wkr.client.bench;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The physical limit: an echo server in this process on loopback TCP, with the same payload
 * frames and the same concurrency as a wkr run, in one of three shapes:
 *
 * <ul>
 *   <li>{@code raw-dealer}: DEALER clients, a ROUTER echo (the classic async request/reply);
 *   <li>{@code raw-pushsub}: PUSH → PULL, then PUB → SUB by identity: wkr's own socket path
 *       without queues, batching or workers;
 *   <li>{@code raw-reqrep}: REQ/REP, one request at a time (the round-trip latency floor).
 * </ul>
 *
 * Every reply is compared with what was sent, as for wkr.
 */
final class RawTarget implements Target {
    enum Shape { DEALER, PUSHSUB, REQREP }

    private final Shape shape;
    private final Payload payload;
    private final ZContext context = new ZContext(1);
    private final Thread echo;
    private final String inEndpoint;
    private final String outEndpoint;
    private volatile boolean closed;

    RawTarget(Shape shape, Payload payload) {
        this.shape = shape;
        this.payload = payload;
        ZMQ.Socket in = context.createSocket(switch (shape) {
            case DEALER -> SocketType.ROUTER;
            case PUSHSUB -> SocketType.PULL;
            case REQREP -> SocketType.REP;
        });
        in.setRcvHWM(0);
        in.setSndHWM(0);
        inEndpoint = "tcp://127.0.0.1:" + in.bindToRandomPort("tcp://127.0.0.1");
        ZMQ.Socket out = null;
        if (shape == Shape.PUSHSUB) {
            out = context.createSocket(SocketType.PUB);
            out.setSndHWM(0);
            outEndpoint = "tcp://127.0.0.1:" + out.bindToRandomPort("tcp://127.0.0.1");
        } else {
            outEndpoint = null;
        }
        ZMQ.Socket pub = out;
        echo = new Thread(() -> echoLoop(in, pub), "wkr-bench-echo");
        echo.setDaemon(true);
        echo.start();
    }

    /** Receives a whole message and sends it straight back (on the PUB for push/sub). */
    private void echoLoop(ZMQ.Socket in, ZMQ.Socket out) {
        ZMQ.Socket reply = out != null ? out : in;
        in.setReceiveTimeOut(100);
        byte[][] frames = new byte[8][];
        while (!closed) {
            byte[] first = in.recv(0);
            if (first == null) continue;
            int n = 0;
            frames[n++] = first;
            while (in.hasReceiveMore()) {
                byte[] f = in.recv(0);
                if (n < frames.length) frames[n++] = f;
            }
            for (int i = 0; i < n; i++) reply.send(frames[i], i < n - 1 ? ZMQ.SNDMORE : 0);
        }
    }

    @Override
    public String name() {
        return "raw-" + shape.name().toLowerCase(java.util.Locale.ROOT);
    }

    @Override
    public Conn connect(int index) {
        return new RawConn(index);
    }

    private static byte[] seqBytes(long seq) {
        return ByteBuffer.allocate(8).putLong(seq).array();
    }

    private final class RawConn implements Conn {
        private final ZMQ.Socket send;
        private final ZMQ.Socket recv;
        private final byte[] identity;
        private final Map<Long, Long> sent = new HashMap<>();

        RawConn(int index) {
            identity = ("bench-" + index + "-").getBytes(StandardCharsets.US_ASCII);
            switch (shape) {
                case DEALER -> {
                    send = context.createSocket(SocketType.DEALER);
                    recv = send;
                }
                case REQREP -> {
                    send = context.createSocket(SocketType.REQ);
                    recv = send;
                }
                default -> {
                    send = context.createSocket(SocketType.PUSH);
                    recv = context.createSocket(SocketType.SUB);
                    recv.subscribe(identity);
                    recv.connect(outEndpoint);
                }
            }
            send.setSndHWM(0);
            send.setRcvHWM(0);
            send.connect(inEndpoint);
            if (shape == Shape.PUSHSUB) awaitSubscription();
        }

        /** PUB/SUB slow joiner: ping until the echo comes back, as the wkr client does. */
        private void awaitSubscription() {
            recv.setReceiveTimeOut(100);
            for (int tries = 0; tries < 100; tries++) {
                sendFrames(-1);
                byte[] f = recv.recv(0);
                if (f != null) {
                    while (recv.hasReceiveMore()) recv.recv(0);
                    while ((f = recv.recv(ZMQ.DONTWAIT)) != null) {
                        while (recv.hasReceiveMore()) recv.recv(0);
                    }
                    return;
                }
            }
            throw new IllegalStateException("raw push/sub echo never answered");
        }

        private void sendFrames(long seq) {
            byte[] s = seqBytes(seq);
            if (shape == Shape.PUSHSUB) {
                send.send(identity, ZMQ.SNDMORE);
                send.send(s, ZMQ.SNDMORE);
                send.send(payload.wire().payload(), ZMQ.SNDMORE);
                send.send(payload.wire().info(), 0);
            } else {
                send.send(s, ZMQ.SNDMORE);
                send.send(payload.wire().payload(), ZMQ.SNDMORE);
                send.send(payload.wire().info(), 0);
            }
        }

        @Override
        public void send(long seq, long sentNanos) {
            sent.put(seq, sentNanos);
            sendFrames(seq);
        }

        @Override
        public Reply receive(long timeoutNanos) {
            recv.setReceiveTimeOut((int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutNanos / 1_000_000)));
            byte[] first = recv.recv(0);
            if (first == null) return null;
            byte[][] frames = new byte[4][];
            int n = 0;
            frames[n++] = first;
            while (recv.hasReceiveMore()) {
                byte[] f = recv.recv(0);
                if (n < 4) frames[n++] = f;
            }
            int at = shape == Shape.PUSHSUB ? 1 : 0; // seq follows the identity on push/sub
            long seq = ByteBuffer.wrap(frames[at]).getLong();
            Long sentAt = sent.remove(seq);
            boolean matched = sentAt != null && Arrays.equals(frames[at + 1], payload.wire().payload());
            return new Reply(seq, sentAt == null ? System.nanoTime() : sentAt, matched, null);
        }

        @Override
        public void close() {
            send.close();
            if (recv != send) recv.close();
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            echo.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        context.close();
    }
}

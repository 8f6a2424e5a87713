package io.wkr.server.testing;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * A bare ZeroMQ peer for tests: a PUSH socket to a server's {@code port_in} and a SUB socket on
 * its {@code port_out}, sending any frames at all (including malformed ones) and reading raw
 * replies, the way the original Python client or an attacker would. Not thread-safe.
 */
public final class RawPeer implements AutoCloseable {
    private final ZContext context = new ZContext(1);
    private final ZMQ.Socket push;
    private final ZMQ.Socket sub;
    private final byte[] identity;
    private int nextId = 1_000_000;

    public RawPeer(String host, int portIn, int portOut, String identity) {
        this.identity = identity.getBytes(StandardCharsets.UTF_8);
        push = context.createSocket(SocketType.PUSH);
        push.setLinger(0);
        push.connect("tcp://" + host + ":" + portIn);
        sub = context.createSocket(SocketType.SUB);
        sub.setLinger(0);
        sub.subscribe(this.identity);
        sub.connect("tcp://" + host + ":" + portOut);
    }

    public byte[] identity() {
        return identity.clone();
    }

    /**
     * Repeats a JSON status request until one is answered, so the subscription is known to be
     * live before a test sends what it means to check; returns the status JSON.
     */
    public String handshake(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            send(identity, Integer.toString(nextId++).getBytes(StandardCharsets.US_ASCII),
                    "SHOW_CONFIG".getBytes(StandardCharsets.US_ASCII),
                    "{\"format\":\"json\"}".getBytes(StandardCharsets.US_ASCII));
            List<byte[]> reply = receive(Duration.ofMillis(200));
            if (reply != null) {
                while (receive(Duration.ofMillis(50)) != null) {
                    // drop answers to earlier attempts
                }
                return new String(reply.get(2), StandardCharsets.UTF_8);
            }
        }
        throw new AssertionError("no status reply within " + timeout);
    }

    /** Sends {@code [identity, requestId, payload, info]} and returns the reply to that request id. */
    public List<byte[]> call(String requestId, byte[] payload, byte[] info, Duration timeout) {
        byte[] rid = requestId.getBytes(StandardCharsets.US_ASCII);
        send(identity, rid, payload, info);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            List<byte[]> reply = receive(Duration.ofMillis(100));
            if (reply != null && reply.size() == 4 && java.util.Arrays.equals(reply.get(1), rid)) return reply;
        }
        throw new AssertionError("no reply to request " + requestId + " within " + timeout);
    }

    /** Sends a multipart message made of exactly these frames. */
    public void send(byte[]... frames) {
        for (int i = 0; i < frames.length; i++) {
            push.send(frames[i], i < frames.length - 1 ? ZMQ.SNDMORE : 0);
        }
    }

    /** The next message published for this identity, or null after {@code timeout}. */
    public List<byte[]> receive(Duration timeout) {
        sub.setReceiveTimeOut((int) timeout.toMillis());
        byte[] first = sub.recv(0);
        if (first == null) return null;
        List<byte[]> frames = new ArrayList<>();
        frames.add(first);
        while (sub.hasReceiveMore()) frames.add(sub.recv(0));
        return frames;
    }

    @Override
    public void close() {
        context.close();
    }
}

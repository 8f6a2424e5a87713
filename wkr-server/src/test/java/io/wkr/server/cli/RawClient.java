package io.wkr.server.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/** A bare JeroMQ client (PUSH to port_in, SUB on port_out) for talking to a CLI-started server. */
final class RawClient implements AutoCloseable {
    private static final byte[] JSON_STATUS = "{\"format\":\"json\"}".getBytes(StandardCharsets.UTF_8);
    private final ZContext ctx = new ZContext(1);
    private final ZMQ.Socket push;
    private final ZMQ.Socket sub;
    private final byte[] identity;
    private int sync;

    RawClient(String host, int portIn, int portOut, String identity) {
        this.identity = identity.getBytes(StandardCharsets.UTF_8);
        push = ctx.createSocket(SocketType.PUSH);
        push.setLinger(0);
        push.connect("tcp://" + host + ":" + portIn);
        sub = ctx.createSocket(SocketType.SUB);
        sub.setLinger(0);
        sub.subscribe(this.identity);
        sub.setReceiveTimeOut(100);
        sub.connect("tcp://" + host + ":" + portOut);
    }

    /**
     * Repeats a JSON {@code SHOW_CONFIG} until the first reply arrives (the PUB/SUB slow joiner
     * drops replies published before the subscription is in place) and returns that reply's text.
     */
    String awaitStatus(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            String id = "sync-" + sync++;
            send(id, "SHOW_CONFIG".getBytes(StandardCharsets.US_ASCII), JSON_STATUS);
            List<byte[]> reply = receive(null, System.nanoTime() + 250_000_000L);
            if (reply != null) return new String(reply.get(2), StandardCharsets.UTF_8);
        }
        throw new AssertionError("no SHOW_CONFIG reply within " + timeout);
    }

    void send(String requestId, byte[] payload, byte[] info) {
        push.send(identity, ZMQ.SNDMORE);
        push.send(requestId.getBytes(StandardCharsets.US_ASCII), ZMQ.SNDMORE);
        push.send(payload, ZMQ.SNDMORE);
        push.send(info, 0);
    }

    /** Sends a request and returns the 4 reply frames for its request id. */
    List<byte[]> call(String requestId, byte[] payload, byte[] info, Duration timeout) {
        send(requestId, payload, info);
        List<byte[]> reply = receive(requestId, System.nanoTime() + timeout.toNanos());
        if (reply == null) throw new AssertionError("no reply to " + requestId + " within " + timeout);
        return reply;
    }

    private List<byte[]> receive(String requestId, long deadline) {
        while (System.nanoTime() < deadline) {
            byte[] first = sub.recv();
            if (first == null) continue;
            List<byte[]> frames = new ArrayList<>(List.of(first));
            while (sub.hasReceiveMore()) frames.add(sub.recv());
            if (frames.size() != 4 || !Arrays.equals(frames.get(0), identity)) continue;
            if (requestId == null || requestId.equals(new String(frames.get(1), StandardCharsets.US_ASCII))) {
                return frames;
            }
        }
        return null;
    }

    @Override
    public void close() {
        ctx.close();
    }
}

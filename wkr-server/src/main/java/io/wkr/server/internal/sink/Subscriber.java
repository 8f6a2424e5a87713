package io.wkr.server.internal.sink;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * One SUB (or XSUB) peer connected to {@code port_out}: its side of the ZMTP 3 handshake (NULL
 * mechanism), the subscriptions it sends, and the replies that wait for it. Confined to the sink
 * thread. See <a href="https://rfc.zeromq.org/spec/23/">ZMTP 3.0</a>.
 */
final class Subscriber {
    /** Where the peer is in the protocol. */
    enum State { GREETING, HANDSHAKE, ACTIVE }

    /** What a subscriber tells the publisher while its input is parsed. */
    interface Events {
        void subscribe(Subscriber s, byte[] topic);

        void unsubscribe(Subscriber s, byte[] topic);
    }

    /** Thrown when the peer breaks the protocol; the publisher closes the connection and logs why. */
    static final class ProtocolViolation extends Exception {
        ProtocolViolation(String message) {
            super(message, null, false, false);
        }
    }

    static final int GREETING_SIZE = 64;
    /** Subscriptions and commands are small; a larger inbound frame is a protocol violation. */
    static final int MAX_INBOUND_FRAME = 4096;
    /** Topics are client identities, which wkr answers only up to 255 bytes. */
    static final int MAX_TOPIC = 255;
    /** A SUB socket of a wkr or wkr-serving client subscribes once, to its identity. */
    static final int MAX_SUBSCRIPTIONS = 16;

    private static final int FLAG_MORE = 1;
    private static final int FLAG_LONG = 2;
    private static final int FLAG_COMMAND = 4;

    /** Our greeting and READY command: ZMTP 3.0, NULL mechanism, not as-server, Socket-Type PUB. */
    static final byte[] HELLO = hello();

    final SocketChannel channel;
    final String peer;
    SelectionKey key;
    State state = State.GREETING;
    /** Replies (and our handshake) waiting to be written, oldest first. */
    final ArrayDeque<Outbound> out = new ArrayDeque<>();
    /** Bytes of replies in {@link #out}. */
    long pendingBytes;
    /** When a byte last left for this peer, or its queue was last empty. */
    long lastProgressNanos;
    final long connectedNanos;
    /** Listed in the publisher's touched list, to be flushed after the current batch. */
    boolean touched;
    boolean closed;

    private final List<byte[]> subscriptions = new ArrayList<>(1);
    private ByteBuffer in = ByteBuffer.allocate(256);
    /** Inside a multi-frame message from an XSUB peer: its frames are skipped. */
    private boolean inMessage;

    Subscriber(SocketChannel channel, String peer, long now) {
        this.channel = channel;
        this.peer = peer;
        this.lastProgressNanos = now;
        this.connectedNanos = now;
    }

    List<byte[]> subscriptions() {
        return subscriptions;
    }

    /** The size of the input buffer: it grows for a large inbound frame, up to {@link #MAX_INBOUND_FRAME}. */
    int bufferCapacity() {
        return in.capacity();
    }

    /**
     * Reads what the peer sent and acts on it.
     *
     * @return false when the peer closed the connection
     * @throws ProtocolViolation when it broke the protocol
     */
    boolean read(Events events) throws IOException, ProtocolViolation {
        // A few reads per call: a peer that never stops sending must not keep the sink from replying.
        for (int reads = 0; reads < 8; reads++) {
            int n = channel.read(in);
            if (n < 0) return false;
            if (n == 0) return true;
            in.flip();
            try {
                parse(events);
            } finally {
                in.compact();
            }
            if (!in.hasRemaining()) {
                // a frame larger than the buffer: grow, up to the largest frame allowed
                if (in.capacity() >= MAX_INBOUND_FRAME + 9) throw new ProtocolViolation("inbound frame too large");
                in = ByteBuffer.allocate(Math.min(in.capacity() * 4, MAX_INBOUND_FRAME + 9)).put(in.flip());
            }
        }
        return true; // more may be waiting: the selector reports it again
    }

    private void parse(Events events) throws ProtocolViolation {
        while (true) {
            if (state == State.GREETING) {
                if (in.remaining() < GREETING_SIZE) return;
                byte[] g = new byte[GREETING_SIZE];
                in.get(g);
                checkGreeting(g);
                state = State.HANDSHAKE;
                continue;
            }
            if (in.remaining() < 2) return;
            int start = in.position();
            int flags = in.get(start) & 0xff;
            long size;
            int header;
            if ((flags & FLAG_LONG) != 0) {
                if (in.remaining() < 9) return;
                size = in.getLong(start + 1);
                header = 9;
            } else {
                size = in.get(start + 1) & 0xff;
                header = 2;
            }
            if (size < 0 || size > MAX_INBOUND_FRAME) {
                throw new ProtocolViolation("inbound frame of " + size + " bytes (subscriptions are at most "
                        + MAX_INBOUND_FRAME + ")");
            }
            if (in.remaining() < header + size) return;
            byte[] body = new byte[(int) size];
            in.position(start + header);
            in.get(body);
            if ((flags & FLAG_COMMAND) != 0) {
                command(body, events);
            } else {
                message(body, (flags & FLAG_MORE) != 0, events);
            }
        }
    }

    private static void checkGreeting(byte[] g) throws ProtocolViolation {
        if ((g[0] & 0xff) != 0xff || (g[9] & 1) == 0) throw new ProtocolViolation("not a ZMTP 3 peer (no signature)");
        if (g[10] < 3) throw new ProtocolViolation("ZMTP " + g[10] + ".x peer; port_out speaks ZMTP 3");
        byte[] mechanism = Arrays.copyOfRange(g, 12, 32);
        byte[] nul = Arrays.copyOf("NULL".getBytes(StandardCharsets.US_ASCII), 20);
        if (!Arrays.equals(mechanism, nul)) {
            throw new ProtocolViolation("security mechanism " + new String(mechanism, StandardCharsets.US_ASCII).trim()
                    + "; port_out offers NULL only");
        }
    }

    private void command(byte[] body, Events events) throws ProtocolViolation {
        if (body.length < 1 || body.length < 1 + (body[0] & 0xff)) throw new ProtocolViolation("malformed command");
        int nameLength = body[0] & 0xff;
        String name = new String(body, 1, nameLength, StandardCharsets.US_ASCII);
        int at = 1 + nameLength;
        if (state == State.HANDSHAKE) {
            if (name.equals("ERROR")) throw new ProtocolViolation("peer sent ERROR during the handshake");
            if (!name.equals("READY")) throw new ProtocolViolation("expected READY, got " + printable(name));
            String type = property(body, at, "Socket-Type");
            if (!"SUB".equals(type) && !"XSUB".equals(type)) {
                throw new ProtocolViolation("a " + printable(String.valueOf(type)) + " socket connected; port_out is PUB "
                        + "and takes SUB or XSUB peers");
            }
            state = State.ACTIVE;
            return;
        }
        switch (name) {
            case "SUBSCRIBE" -> events.subscribe(this, Arrays.copyOfRange(body, at, body.length));
            case "CANCEL" -> events.unsubscribe(this, Arrays.copyOfRange(body, at, body.length));
            case "PING" -> pong(body, at);
            case "ERROR" -> throw new ProtocolViolation("peer sent ERROR");
            default -> { } // PONG and unknown commands: nothing to do
        }
    }

    private void message(byte[] frame, boolean more, Events events) throws ProtocolViolation {
        if (state != State.ACTIVE) throw new ProtocolViolation("message before the handshake completed");
        boolean first = !inMessage;
        inMessage = more;
        if (!first || frame.length == 0) return; // XSUB data after the first frame, or empty: not a subscription
        if (frame[0] == 1) {
            events.subscribe(this, Arrays.copyOfRange(frame, 1, frame.length));
        } else if (frame[0] == 0) {
            events.unsubscribe(this, Arrays.copyOfRange(frame, 1, frame.length));
        }
    }

    /** Answers a ZMTP 3.1 heartbeat, unless replies are already waiting (a peer that does not read gets no PONGs). */
    private void pong(byte[] body, int at) {
        if (!out.isEmpty()) return;
        int contextAt = at + 2; // after the 2-byte TTL
        byte[] context = contextAt < body.length
                ? Arrays.copyOfRange(body, contextAt, Math.min(body.length, contextAt + 16)) : new byte[0];
        byte[] frame = new byte[2 + 5 + context.length];
        frame[0] = FLAG_COMMAND;
        frame[1] = (byte) (5 + context.length);
        frame[2] = 4;
        System.arraycopy("PONG".getBytes(StandardCharsets.US_ASCII), 0, frame, 3, 4);
        System.arraycopy(context, 0, frame, 7, context.length);
        out.add(new Outbound(new ByteBuffer[] {ByteBuffer.wrap(frame)}, 0, null));
    }

    /** The value of a ZMTP metadata property in a READY command, or null. */
    private static String property(byte[] body, int at, String wanted) throws ProtocolViolation {
        while (at < body.length) {
            int nameLength = body[at] & 0xff;
            if (at + 1 + nameLength + 4 > body.length) throw new ProtocolViolation("malformed READY properties");
            String name = new String(body, at + 1, nameLength, StandardCharsets.US_ASCII);
            at += 1 + nameLength;
            int valueLength = ByteBuffer.wrap(body, at, 4).getInt();
            at += 4;
            if (valueLength < 0 || at + valueLength > body.length) throw new ProtocolViolation("malformed READY properties");
            if (name.equalsIgnoreCase(wanted)) return new String(body, at, valueLength, StandardCharsets.US_ASCII);
            at += valueLength;
        }
        return null;
    }

    private static String printable(String s) {
        String p = s.length() > 32 ? s.substring(0, 32) + "..." : s;
        return "'" + p.replaceAll("[^\\x20-\\x7e]", ".") + "'";
    }

    private static byte[] hello() {
        ByteBuffer b = ByteBuffer.allocate(GREETING_SIZE + 27);
        b.put((byte) 0xff).putLong(1).put((byte) 0x7f);        // signature (padding = identity length + 1)
        b.put((byte) 3).put((byte) 0);                          // ZMTP 3.0
        b.put(Arrays.copyOf("NULL".getBytes(StandardCharsets.US_ASCII), 20));
        b.put((byte) 0);                                        // as-server: unused by NULL
        b.put(new byte[31]);                                    // filler
        byte[] type = "Socket-Type".getBytes(StandardCharsets.US_ASCII);
        byte[] pub = "PUB".getBytes(StandardCharsets.US_ASCII);
        int size = 1 + 5 + 1 + type.length + 4 + pub.length;
        b.put((byte) FLAG_COMMAND).put((byte) size);
        b.put((byte) 5).put("READY".getBytes(StandardCharsets.US_ASCII));
        b.put((byte) type.length).put(type).putInt(pub.length).put(pub);
        return Arrays.copyOf(b.array(), b.position());
    }

    /** The 4 frames of a reply as ZMTP frames: each one's header and body. */
    static ByteBuffer[] frames(byte[][] parts, byte[] headers) {
        ByteBuffer[] bufs = new ByteBuffer[parts.length * 2];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            int h = header(headers, at, parts[i].length, i < parts.length - 1);
            bufs[2 * i] = ByteBuffer.wrap(headers, at, h);
            bufs[2 * i + 1] = ByteBuffer.wrap(parts[i]);
            at += h;
        }
        return bufs;
    }

    /** Writes one frame header at {@code at}; returns its length (2, or 9 for frames over 255 bytes). */
    static int header(byte[] into, int at, int size, boolean more) {
        int flags = more ? FLAG_MORE : 0;
        if (size <= 255) {
            into[at] = (byte) flags;
            into[at + 1] = (byte) size;
            return 2;
        }
        into[at] = (byte) (flags | FLAG_LONG);
        ByteBuffer.wrap(into, at + 1, 8).putLong(size);
        return 9;
    }

    /** One reply's hold on the reply budget, shared by every subscriber it waits for. */
    static final class Held {
        final long bytes;
        int holders;
        /** Written in full to at least one subscriber. */
        boolean delivered;

        Held(long bytes) {
            this.bytes = bytes;
        }
    }

    /** Bytes waiting to be written for one message, and the reply budget it holds (null: our own handshake). */
    static final class Outbound {
        final ByteBuffer[] buffers;
        final long size;
        final Held held;
        final long queuedNanos;
        int next;

        Outbound(ByteBuffer[] buffers, long size, Held held) {
            this(buffers, size, held, System.nanoTime());
        }

        Outbound(ByteBuffer[] buffers, long size, Held held, long queuedNanos) {
            this.buffers = buffers;
            this.size = size;
            this.held = held;
            this.queuedNanos = queuedNanos;
        }

        /** Skips the buffers written in full; true when nothing of this message is left. */
        boolean advance() {
            while (next < buffers.length && !buffers[next].hasRemaining()) next++;
            return next == buffers.length;
        }
    }
}

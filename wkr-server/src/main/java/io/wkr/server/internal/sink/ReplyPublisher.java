package io.wkr.server.internal.sink;

import io.wkr.protocol.Envelope;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's {@code port_out}: a ZeroMQ PUB endpoint (ZMTP 3.0, NULL mechanism) that any SUB
 * socket (JeroMQ, libzmq/pyzmq) connects to and subscribes on, with every byte that waits for a
 * subscriber counted.
 *
 * <p>A reply is written to each subscriber whose subscription is a prefix of its topic (frame 0,
 * the client's identity), at once as far as the subscriber's socket takes it; the rest waits in
 * memory. Every reply holds its bytes of the reply budget ({@code -max_reply_bytes}, reserved by
 * {@link Sink#put}) until the last subscriber it waits for has taken it. A subscriber whose socket
 * has taken nothing for {@link #STALL_NANOS} while replies wait for it is stalled: further replies
 * to it are dropped and counted, so a client that stops reading loses its own replies, never the
 * server's memory. A stalled subscriber is disconnected (what it held given back) once it has been
 * stalled for {@code -slow_subscriber_timeout}, or at once when someone waits for room in the
 * budget; a SUB socket reconnects by itself.
 *
 * <p>A reply whose topic no subscription matches yet is held (it keeps its bytes of the budget)
 * for up to {@link #HOLD} and written the moment a matching subscription arrives: a client sends
 * its first request on its PUSH socket as soon as it has subscribed on its SUB socket, and the
 * request can reach the server (and be answered) before the subscription does, the PUB/SUB "slow
 * joiner". At most {@link #MAX_HELD} replies and a quarter of the budget are held, the oldest
 * dropped first; a reply dropped so, or held in vain, counts as one no one subscribed to. A
 * reply to an identity that holds replies is held behind them, so each identity's replies go out
 * in order; a reply whose topic is subscribed is written at once, as before.
 *
 * <p>JeroMQ's own PUB socket keeps up to its high-water mark of messages per subscriber on the
 * heap, whatever their size, and drops silently: neither could be bounded in bytes nor counted.
 * Confined to the thread that runs the sink. Longer than a class should be: accepting, reading
 * subscriptions, writing and evicting share one selector, one budget and one set of counters.
 */
final class ReplyPublisher implements Subscriber.Events, AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(ReplyPublisher.class);
    /** Replies up to this size are copied into one buffer; larger ones are written from their frames. */
    private static final int SMALL = 2048;
    /** More connections than this are refused (each costs a socket and its buffers). */
    static final int MAX_SUBSCRIBERS = 16_384;
    /**
     * What connections may hold besides replies (input buffers, subscriptions, about 1 KiB each for
     * the rest), all together: past it new connections and subscriptions are refused.
     */
    static final long MAX_CONNECTION_STATE_BYTES = 16L << 20;
    /** Counted per connection for its socket and objects, beside its buffer and subscriptions. */
    private static final long CONNECTION_BYTES = 1024;
    /** Counted per subscription beside its bytes (the key, the sets it is in). */
    private static final long SUBSCRIPTION_BYTES = 96;
    private static final int MAX_GATHER = 64;
    /**
     * The most one write offers: the JDK copies heap buffers into a temporary direct buffer of the
     * size offered and keeps it for the thread, so an unbounded offer would copy (and keep) all
     * that waits for a slow reader.
     */
    private static final long MAX_WRITE = 1L << 20;

    /** A subscriber with waiting replies whose socket took nothing for this long is stalled. */
    static final long STALL_NANOS = 1_000_000_000L;
    /**
     * How long a reply waits for a subscription to its topic. A subscription normally follows the
     * request within milliseconds (a TCP and ZMTP handshake); this leaves room for a loaded machine.
     */
    static final Duration HOLD = Duration.ofSeconds(5);
    /** The most replies held for subscriptions not there yet (they hold a quarter of the budget at most, too). */
    static final int MAX_HELD = 4096;

    private final Selector selector;
    private final ServerSocketChannel server;
    private final int port;
    private final MemoryBudget budget;
    private final long slowNanos;
    private final ServerStats stats;
    private final Set<Subscriber> subscribers = new HashSet<>();
    /** Subscription bytes to the subscribers holding it. */
    private final Map<ByteBuffer, Set<Subscriber>> topics = new HashMap<>();
    /** How many subscriptions of each length exist: a topic is looked up at those prefix lengths only. */
    private final int[] lengths = new int[Subscriber.MAX_TOPIC + 1];
    private final List<Subscriber> touched = new ArrayList<>();
    private final ByteBuffer[] gather = new ByteBuffer[MAX_GATHER];
    private final Set<Subscriber> matched = new LinkedHashSet<>();
    private final SelectionKey acceptKey;
    private final long holdNanos;
    /** Replies held for subscriptions that have not arrived yet. */
    private final HeldReplies held = new HeldReplies();
    /** Accepting is paused until this time after the listening socket failed (out of file descriptors). */
    private long acceptPausedUntil;
    private long stateBytes;
    private long lastViolationLog;
    private long lastDropLog;

    /**
     * Binds {@code port_out}.
     *
     * @param host interface to bind, {@code *} for all
     * @param port port, 0 for an ephemeral one
     * @param budget the reply budget ({@code -max_reply_bytes})
     * @param slowTimeout how long a subscriber may hold waiting replies without taking a byte
     */
    ReplyPublisher(String host, int port, MemoryBudget budget, Duration slowTimeout, ServerStats stats) throws IOException {
        this(host, port, budget, slowTimeout, HOLD, stats);
    }

    /**
     * Binds {@code port_out}.
     *
     * @param hold how long a reply waits for a subscription to its topic (0: it is dropped at once)
     */
    ReplyPublisher(String host, int port, MemoryBudget budget, Duration slowTimeout, Duration hold, ServerStats stats)
            throws IOException {
        this.holdNanos = hold.toNanos();
        this.budget = budget;
        this.slowNanos = slowTimeout.toNanos();
        this.stats = stats;
        this.selector = Selector.open();
        ServerSocketChannel ch = ServerSocketChannel.open();
        try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind("*".equals(host) ? new InetSocketAddress(port) : new InetSocketAddress(host, port), 1024);
            ch.configureBlocking(false);
            this.acceptKey = ch.register(selector, SelectionKey.OP_ACCEPT);
        } catch (IOException | RuntimeException e) {
            ch.close();
            selector.close();
            throw e;
        }
        this.server = ch;
        this.port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
    }

    int port() {
        return port;
    }

    /** What connections hold now besides replies (buffers, subscriptions, a share for each one). */
    long stateBytes() {
        return stateBytes;
    }

    /** True when nothing waits for any subscriber, nor for a subscription. */
    boolean idle() {
        if (held.count() > 0) return false;
        for (Subscriber s : subscribers) if (!s.out.isEmpty()) return false;
        return true;
    }

    /** Replies held now for subscriptions that have not arrived. */
    int held() {
        return held.count();
    }

    /** Their bytes of the reply budget. */
    long heldBytes() {
        return held.bytes();
    }

    /** True when a subscription matches {@code topic}. */
    boolean subscribed(byte[] topic) {
        match(topic);
        boolean any = !matched.isEmpty();
        matched.clear();
        return any;
    }

    /** Makes a {@link #select} that is waiting return at once; any thread may call it. */
    void wakeup() {
        selector.wakeup();
    }

    /** Waits up to {@code timeoutMillis} (0: not at all) for network events and handles them. */
    void select(long timeoutMillis) throws IOException {
        int n = timeoutMillis > 0 ? selector.select(timeoutMillis) : selector.selectNow();
        if (n == 0) return;
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
            SelectionKey k = it.next();
            it.remove();
            if (!k.isValid()) continue;
            if (k.isAcceptable()) {
                accept();
                continue;
            }
            Subscriber s = (Subscriber) k.attachment();
            if (k.isReadable()) readFrom(s);
            if (!s.closed && k.isValid() && k.isWritable()) flush(s);
        }
    }

    private void accept() {
        while (true) {
            SocketChannel ch;
            try {
                ch = server.accept();
            } catch (IOException e) {
                // Out of file descriptors, say: the socket stays ready, so pause instead of spinning.
                violation("cannot accept a connection (" + e.getMessage() + "); accepting paused for 100 ms");
                acceptKey.interestOps(0);
                acceptPausedUntil = System.nanoTime() + 100_000_000L;
                return;
            }
            if (ch == null) return;
            if (subscribers.size() >= MAX_SUBSCRIBERS || stateBytes + CONNECTION_BYTES > MAX_CONNECTION_STATE_BYTES) {
                closeQuietly(ch);
                violation("connections on port_out hold " + subscribers.size() + " sockets and " + stateBytes
                        + " bytes of state; refused one");
                continue;
            }
            Subscriber s;
            try {
                ch.configureBlocking(false);
                ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
                s = new Subscriber(ch, String.valueOf(ch.getRemoteAddress()), System.nanoTime());
                s.key = ch.register(selector, SelectionKey.OP_READ, s);
            } catch (IOException e) {
                closeQuietly(ch);
                continue;
            }
            subscribers.add(s);
            stateBytes += CONNECTION_BYTES + s.bufferCapacity();
            stats.subscribers(subscribers.size());
            s.out.add(new Subscriber.Outbound(new ByteBuffer[] {ByteBuffer.wrap(Subscriber.HELLO)}, 0, null));
            flush(s);
        }
    }

    private static void closeQuietly(SocketChannel ch) {
        try {
            ch.close();
        } catch (IOException e) {
            // nothing more to do with it
        }
    }

    private void readFrom(Subscriber s) {
        long buffer = s.bufferCapacity();
        try {
            boolean open = s.read(this);
            stateBytes += s.bufferCapacity() - buffer;
            if (!open) {
                close(s, null);
                return;
            }
            if (stateBytes > MAX_CONNECTION_STATE_BYTES) {
                violation(s.peer + ": connections hold " + stateBytes + " bytes of state; closed one that grew its buffer");
                close(s, null);
                return;
            }
        } catch (Subscriber.ProtocolViolation e) {
            stateBytes += s.bufferCapacity() - buffer;
            violation(s.peer + ": " + e.getMessage());
            close(s, null);
            return;
        } catch (IOException e) {
            stateBytes += s.bufferCapacity() - buffer;
            close(s, null);
            return;
        }
        if (!s.out.isEmpty()) flush(s); // a PONG
    }

    @Override
    public void subscribe(Subscriber s, byte[] topic) {
        if (topic.length > Subscriber.MAX_TOPIC) return; // no identity is that long: it can never match
        if (s.subscriptions().size() >= Subscriber.MAX_SUBSCRIPTIONS) {
            violation(s.peer + ": more than " + Subscriber.MAX_SUBSCRIPTIONS + " subscriptions; ignored one");
            return;
        }
        long cost = topic.length + SUBSCRIPTION_BYTES;
        if (stateBytes + cost > MAX_CONNECTION_STATE_BYTES) {
            violation("subscriptions on port_out hold too much memory (" + stateBytes + " bytes); ignored one");
            return;
        }
        stateBytes += cost;
        s.subscriptions().add(topic); // a repeated subscription counts again, as in ZeroMQ
        topics.computeIfAbsent(ByteBuffer.wrap(topic), t -> new HashSet<>(2)).add(s);
        lengths[topic.length]++;
        if (held.count() > 0) held.claim(topic, this::claimed);
    }

    /** A subscription has come for a held reply: it is written as if it had just been published. */
    private void claimed(HeldReplies.Unclaimed u) {
        match(u.envelope.identity());
        if (matched.isEmpty()) {
            budget.release(u.charge); // cannot happen: the subscription that claims it matches
            stats.replyDroppedNoSubscriber();
        } else {
            deliver(u.envelope, u.charge);
        }
    }

    @Override
    public void unsubscribe(Subscriber s, byte[] topic) {
        List<byte[]> subs = s.subscriptions();
        for (int i = 0; i < subs.size(); i++) {
            if (Arrays.equals(subs.get(i), topic)) {
                subs.remove(i);
                stateBytes -= topic.length + SUBSCRIPTION_BYTES;
                lengths[topic.length]--;
                if (!containsTopic(subs, topic)) removeTopic(s, topic);
                return;
            }
        }
    }

    private static boolean containsTopic(List<byte[]> subs, byte[] topic) {
        for (byte[] t : subs) if (Arrays.equals(t, topic)) return true;
        return false;
    }

    private void removeTopic(Subscriber s, byte[] topic) {
        ByteBuffer key = ByteBuffer.wrap(topic);
        Set<Subscriber> holders = topics.get(key);
        if (holders == null) return;
        holders.remove(s);
        if (holders.isEmpty()) topics.remove(key);
    }

    /**
     * Queues a reply for every subscriber whose subscription matches its topic; {@link #flush()}
     * writes what their sockets take.
     *
     * @param charge what the reply holds of the reply budget; given back when the last subscriber
     *     it is queued for has taken it or is gone (at once when it is queued for none, or when it
     *     is held and dropped unclaimed)
     * @return the number of subscribers it was queued for (0 when it is held for a subscription to
     *     come); every stalled subscriber it was dropped for is counted in the statistics
     */
    int publish(Envelope e, long charge) {
        match(e.identity());
        if (matched.isEmpty()) {
            hold(e, charge);
            return 0;
        }
        return deliver(e, charge);
    }

    /** Fills {@link #matched} with the subscribers whose subscription is a prefix of {@code topic}. */
    private void match(byte[] topic) {
        matched.clear();
        for (int len = 0; len <= Math.min(topic.length, Subscriber.MAX_TOPIC); len++) {
            if (lengths[len] == 0) continue;
            Set<Subscriber> holders = topics.get(ByteBuffer.wrap(topic, 0, len));
            if (holders != null) matched.addAll(holders);
        }
    }

    /**
     * Holds a reply no subscription matches until one does ({@link #claimed}) or {@link #HOLD} has
     * passed ({@link #expireHeld}); makes room by dropping the oldest held replies. While any reply
     * to a topic is held no subscription matches it (one that came would have claimed them).
     */
    private void hold(Envelope e, long charge) {
        long cap = budget.limit() / 4;
        if (holdNanos <= 0 || charge > cap) {
            stats.replyDroppedNoSubscriber();
            budget.release(charge);
            return;
        }
        while (held.count() >= MAX_HELD || held.bytes() + charge > cap) dropOldestHeld();
        held.add(e, charge, System.nanoTime());
    }

    /** Drops the reply held longest: counted as one no one subscribed to. */
    private void dropOldestHeld() {
        HeldReplies.Unclaimed u = held.removeOldest();
        budget.release(u.charge);
        stats.replyDroppedNoSubscriber();
    }

    /**
     * Drops the replies held for longer than {@link #HOLD} (or than {@link #STALL_NANOS} when
     * {@code pressed}: someone waits for room in the budget) with no subscription come.
     */
    void expireHeld(long now, boolean pressed) {
        long limit = pressed ? Math.min(holdNanos, STALL_NANOS) : holdNanos;
        int dropped = 0;
        while (held.oldest() != null && now - held.oldest().since > limit) {
            dropOldestHeld();
            dropped++;
        }
        if (dropped > 0) {
            logger.debug("dropped {} replies no subscription claimed within {} ms; {} held", dropped, limit / 1_000_000,
                    held.count());
        }
    }

    /** Queues a reply for the subscribers in {@link #matched}. */
    private int deliver(Envelope e, long charge) {
        byte[][] parts = {e.identity(), e.requestId(), e.payload(), e.info()};
        long size = wireSize(e);
        byte[] small;
        byte[] headers;
        try {
            small = size <= SMALL ? contiguous(parts, (int) size) : null;
            headers = small == null ? new byte[4 * 9] : null;
        } catch (RuntimeException ex) {
            budget.release(charge);
            throw ex;
        }
        Subscriber.Held held = new Subscriber.Held(charge);
        long now = System.nanoTime();
        for (Subscriber s : matched) {
            if (s.closed) continue;
            if (stalled(s, now)) {
                droppedFor(s, size);
                continue;
            }
            ByteBuffer[] bufs = small != null ? new ByteBuffer[] {ByteBuffer.wrap(small)} : Subscriber.frames(parts, headers);
            if (s.out.isEmpty()) s.lastProgressNanos = now;
            s.out.add(new Subscriber.Outbound(bufs, size, held, now));
            held.holders++;
            s.pendingBytes += size;
            if (!s.touched) {
                s.touched = true;
                touched.add(s);
            }
        }
        if (held.holders == 0) {
            budget.release(charge);
            stats.replyDropped(); // every subscriber it was for is stalled
        }
        return held.holders;
    }

    /** Bytes of a reply on the wire: its 4 frames and their headers. */
    static long wireSize(Envelope e) {
        return frameSize(e.identity()) + frameSize(e.requestId()) + frameSize(e.payload()) + frameSize(e.info());
    }

    private static long frameSize(byte[] f) {
        return f.length + (f.length > 255 ? 9L : 2L);
    }

    private static boolean stalled(Subscriber s, long now) {
        return s.pendingBytes > 0 && now - s.lastProgressNanos > STALL_NANOS;
    }

    /** A reply is not queued for {@code s}, which does not read. */
    private void droppedFor(Subscriber s, long size) {
        stats.replyDroppedForSlowSubscriber();
        long now = System.nanoTime();
        if (now - lastDropLog > 5_000_000_000L) {
            lastDropLog = now;
            logger.warn("dropped a reply of {} bytes for {}: it has not read for {} ms and {} bytes of replies wait for it;"
                    + " {} replies dropped for subscribers that do not read so far", size, s.peer,
                    (now - s.lastProgressNanos) / 1_000_000, s.pendingBytes,
                    stats.replies(budget).droppedSlowSubscriber());
        }
    }

    private static byte[] contiguous(byte[][] parts, int size) {
        byte[] b = new byte[size];
        int at = 0;
        for (int i = 0; i < parts.length; i++) {
            at += Subscriber.header(b, at, parts[i].length, i < parts.length - 1);
            System.arraycopy(parts[i], 0, b, at, parts[i].length);
            at += parts[i].length;
        }
        return b;
    }

    /** Writes what the subscribers published to since the last call take now. */
    void flush() {
        for (Subscriber s : touched) {
            s.touched = false;
            if (!s.closed) flush(s);
        }
        touched.clear();
    }

    private void flush(Subscriber s) {
        try {
            while (!s.out.isEmpty()) {
                // Offer at most MAX_GATHER non-empty buffers and MAX_WRITE bytes; a buffer that
                // would pass MAX_WRITE is offered in part, through a view whose progress is copied back.
                int n = 0;
                long offered = 0;
                ByteBuffer part = null;
                ByteBuffer partOf = null;
                gather:
                for (Subscriber.Outbound o : s.out) {
                    for (int i = o.next; i < o.buffers.length; i++) {
                        ByteBuffer b = o.buffers[i];
                        int r = b.remaining();
                        if (r == 0) continue;
                        if (n == MAX_GATHER) break gather;
                        if (offered + r > MAX_WRITE) {
                            if (n == 0 || offered < MAX_WRITE / 2) {
                                part = b.duplicate();
                                part.limit(part.position() + (int) (MAX_WRITE - offered));
                                partOf = b;
                                gather[n++] = part;
                                offered += part.remaining();
                            }
                            break gather;
                        }
                        gather[n++] = b;
                        offered += r;
                    }
                }
                long written = n == 0 ? 0 : s.channel.write(gather, 0, n);
                Arrays.fill(gather, 0, n, null);
                if (part != null) partOf.position(part.position());
                if (written > 0) s.lastProgressNanos = System.nanoTime();
                while (!s.out.isEmpty() && s.out.peekFirst().advance()) release(s, s.out.pollFirst(), true);
                if (written < offered) break; // the socket is full: go on when it can take more
            }
        } catch (IOException e) {
            close(s, null);
            return;
        }
        int ops = s.out.isEmpty() ? SelectionKey.OP_READ : SelectionKey.OP_READ | SelectionKey.OP_WRITE;
        if (s.key.isValid() && s.key.interestOps() != ops) s.key.interestOps(ops);
    }

    /**
     * {@code o} was written ({@code written}), or dropped with {@code s}: {@code s} no longer holds
     * it. The reply's budget is given back with its last holder; a reply that reached none of its
     * subscribers is counted as dropped then, once.
     */
    private void release(Subscriber s, Subscriber.Outbound o, boolean written) {
        Subscriber.Held h = o.held;
        if (h == null) return;
        s.pendingBytes -= o.size;
        if (written) h.delivered = true;
        if (--h.holders == 0) {
            budget.release(h.bytes);
            if (!h.delivered) stats.replyDropped();
        }
    }

    /**
     * Disconnects subscribers that have been stalled for the slow-subscriber timeout, and those
     * that never finished the handshake within it. When {@code pressed} (someone waits for room in
     * the reply budget) also those stalled for {@link #STALL_NANOS}, and those that hold more than a
     * quarter of the budget with their oldest reply waiting longer than that: a reader too slow to
     * take its replies must not hold the budget every other client needs. Also resumes accepting
     * connections after a pause.
     */
    void evictStalled(long now, boolean pressed) {
        if (acceptPausedUntil != 0 && now - acceptPausedUntil > 0 && acceptKey.isValid()) {
            acceptPausedUntil = 0;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
        }
        List<Subscriber> evict = null;
        for (Subscriber s : subscribers) {
            boolean out = s.state != Subscriber.State.ACTIVE
                    ? now - s.connectedNanos > slowNanos
                    : stalled(s, now) && (pressed || now - s.lastProgressNanos > slowNanos)
                            || pressed && hogging(s, now);
            if (out) {
                if (evict == null) evict = new ArrayList<>();
                evict.add(s);
            }
        }
        if (evict == null) return;
        for (Subscriber s : evict) {
            stats.subscriberEvicted();
            if (s.state != Subscriber.State.ACTIVE) {
                violation(s.peer + ": no ZMTP handshake within " + slowNanos / 1_000_000_000L + " s; disconnected");
                close(s, "handshake timeout");
                continue;
            }
            logger.warn("disconnecting {}: {} bytes of replies wait for it, the oldest for {} ms, and it took nothing for "
                    + "{} ms{}; they are dropped", s.peer, s.pendingBytes, (now - s.out.peekFirst().queuedNanos) / 1_000_000,
                    (now - s.lastProgressNanos) / 1_000_000, pressed ? " while the reply budget is full" : "");
            close(s, "evicted");
        }
    }

    /** Holds more than a quarter of the reply budget, and its oldest reply has waited over {@link #STALL_NANOS}. */
    private boolean hogging(Subscriber s, long now) {
        return s.pendingBytes > budget.limit() / 4 && !s.out.isEmpty() && now - s.out.peekFirst().queuedNanos > STALL_NANOS;
    }

    private void close(Subscriber s, String why) {
        if (s.closed) return;
        s.closed = true;
        for (Subscriber.Outbound o : s.out) {
            if (o.held != null) stats.replyDroppedForSlowSubscriber();
            release(s, o, false);
        }
        s.out.clear();
        stateBytes -= CONNECTION_BYTES + s.bufferCapacity();
        for (byte[] t : s.subscriptions()) {
            stateBytes -= t.length + SUBSCRIPTION_BYTES;
            lengths[t.length]--;
            removeTopic(s, t);
        }
        s.subscriptions().clear();
        subscribers.remove(s);
        stats.subscribers(subscribers.size());
        if (s.key != null) s.key.cancel();
        try {
            s.channel.close();
        } catch (IOException e) {
            logger.debug("closing {}: {}", s.peer, e.toString());
        }
        if (why != null) logger.debug("closed {}: {}", s.peer, why);
    }

    private void violation(String what) {
        long now = System.nanoTime();
        if (now - lastViolationLog > 5_000_000_000L) {
            lastViolationLog = now;
            logger.warn("port_out: {}", what);
        }
    }

    /** Closes every connection (what still waits, or is held, is dropped and counted) and the listening socket. */
    @Override
    public void close() {
        while (held.oldest() != null) dropOldestHeld();
        for (Subscriber s : new ArrayList<>(subscribers)) close(s, "server stopped");
        try {
            server.close();
        } catch (IOException e) {
            logger.debug("closing port_out: {}", e.toString());
        }
        try {
            selector.close();
        } catch (IOException e) {
            logger.debug("closing the sink's selector: {}", e.toString());
        }
    }
}

package io.wkr.server.internal.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.wkr.protocol.Envelope;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.testing.Await;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link ReplyPublisher} driven directly on the test thread (as the sink thread drives it), with
 * raw TCP peers that speak just enough ZMTP: the cases a hostile or slow peer can make.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ReplyPublisherTest {
    private static final byte[] INFO = "{}".getBytes(StandardCharsets.US_ASCII);
    private final ServerStats stats = new ServerStats(1, List.of());
    private final List<Socket> peers = new ArrayList<>();
    private ReplyPublisher publisher;
    private MemoryBudget budget;

    @AfterEach
    void close() throws IOException {
        for (Socket s : peers) s.close();
        if (publisher != null) publisher.close();
    }

    private void start(long budgetBytes) throws IOException {
        start(budgetBytes, ReplyPublisher.HOLD);
    }

    private void start(long budgetBytes, Duration hold) throws IOException {
        budget = new MemoryBudget("max_reply_bytes", budgetBytes);
        publisher = new ReplyPublisher("127.0.0.1", 0, budget, Duration.ofSeconds(10), hold, stats);
    }

    /** A raw SUB peer: greeting, READY, then its subscriptions; it reads only if the test does. */
    private Socket subscriber(int receiveBuffer, byte[]... topics) throws IOException {
        Socket c = new Socket();
        peers.add(c);
        c.setReceiveBufferSize(receiveBuffer);
        c.connect(new InetSocketAddress("127.0.0.1", publisher.port()));
        OutputStream os = c.getOutputStream();
        ByteBuffer g = ByteBuffer.allocate(64);
        g.put((byte) 0xff).putLong(1).put((byte) 0x7f).put((byte) 3).put((byte) 0);
        g.put(Arrays.copyOf("NULL".getBytes(StandardCharsets.US_ASCII), 20));
        os.write(g.array());
        byte[] t = "Socket-Type".getBytes(StandardCharsets.US_ASCII);
        ByteBuffer r = ByteBuffer.allocate(2 + 25);
        r.put((byte) 4).put((byte) 25).put((byte) 5).put("READY".getBytes(StandardCharsets.US_ASCII));
        r.put((byte) t.length).put(t).putInt(3).put("SUB".getBytes(StandardCharsets.US_ASCII));
        os.write(r.array());
        for (byte[] topic : topics) {
            os.write(new byte[] {0, (byte) (topic.length + 1), 1});
            os.write(topic);
        }
        os.flush();
        return c;
    }

    /** Runs the publisher until {@code condition} holds. */
    private void pump(java.util.function.BooleanSupplier condition, String what) {
        Await.until(() -> {
            try {
                publisher.select(5);
            } catch (IOException e) {
                throw new AssertionError(e);
            }
            return condition.getAsBoolean();
        }, Duration.ofSeconds(20), what);
    }

    /** Reads one 4-frame reply from a raw peer (after {@link Subscriber#HELLO}) and returns its frames. */
    private static List<byte[]> readReply(InputStream in) throws IOException {
        List<byte[]> frames = new ArrayList<>(4);
        boolean more = true;
        while (more) {
            int flags = in.read();
            if (flags < 0) throw new IOException("closed");
            long size = (flags & 2) != 0 ? ByteBuffer.wrap(in.readNBytes(8)).getLong() : in.read();
            byte[] body = in.readNBytes((int) size);
            if ((flags & 4) != 0) continue; // a command
            frames.add(body);
            more = (flags & 1) != 0;
        }
        assertThat(frames).hasSize(4);
        return frames;
    }

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    private static String text(byte[] b) {
        return new String(b, StandardCharsets.US_ASCII);
    }

    private int publish(String identity, byte[] requestId, int payloadBytes) {
        Envelope e = new Envelope(identity.getBytes(StandardCharsets.US_ASCII), requestId, new byte[payloadBytes], INFO);
        long size = ReplyPublisher.wireSize(e);
        budget.reserve(size);
        return publisher.publish(e, size);
    }

    /**
     * Empty request ids make empty frames; the gather used to take "the last buffer offered has
     * bytes left" for "the socket is full", and spun forever when the last one offered was empty.
     */
    @Test
    void shouldNotSpinWhenTheLastBufferOfferedIsEmpty() throws Exception {
        start(1L << 30);
        subscriber(4096, new byte[0]);
        pump(() -> stats.replies(budget).subscribers() == 1, "the subscriber");
        pump(() -> publish("a", new byte[0], 0) == 1, "the subscription"); // live once a reply is queued for it
        publisher.flush(); // the probes are small: the peer's socket takes them all
        publish("a", new byte[0], 32 << 20);
        for (int i = 0; i < 7; i++) publish("a", new byte[0], 4096);
        publish("a", new byte[0], 10);
        publish("a", new byte[0], 4096);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> publisher.flush());
        publish("a", "r".getBytes(StandardCharsets.US_ASCII), 10);
        assertTimeoutPreemptively(Duration.ofSeconds(10), () -> publisher.flush(), "the second flush returns");
    }

    /** A write offers at most 1 MiB: what the JDK copies to a direct buffer (and keeps) stays small. */
    @Test
    void shouldOfferASlowReaderAtMostAMebibytePerWrite() throws Exception {
        start(1L << 30);
        subscriber(4096, "slow".getBytes(StandardCharsets.US_ASCII));
        pump(() -> publish("slow", new byte[] {1}, 0) == 1, "the subscription");
        BufferPoolMXBean direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
                .filter(b -> b.getName().equals("direct")).findFirst().orElseThrow();
        long before = direct.getMemoryUsed();
        publish("slow", new byte[] {2}, 64 << 20);
        publisher.flush();
        for (int i = 0; i < 20; i++) publisher.select(5); // more writes as the peer's socket allows
        assertThat(direct.getMemoryUsed() - before).as("direct memory the writes took").isLessThan(4L << 20);
    }

    /** A peer cannot make the server keep hundreds of subscriptions: 16 per connection. */
    @Test
    void shouldKeepAtMostSixteenSubscriptionsPerConnection() throws Exception {
        start(1L << 20);
        byte[][] topics = new byte[300][];
        for (int i = 0; i < topics.length; i++) {
            topics[i] = Arrays.copyOf(("topic-" + i).getBytes(StandardCharsets.US_ASCII), 200);
        }
        subscriber(65536, topics);
        pump(() -> publisher.stateBytes() >= 16 * 200, "16 subscriptions");
        for (int i = 0; i < 50; i++) publisher.select(5);
        assertThat(publisher.stateBytes()).isLessThanOrEqualTo(1024 + 4105 + 16 * (200 + 96));
    }

    /**
     * A reply that one subscriber took is not a dropped reply, even when another one (a spy on
     * every topic that does not read) lost it.
     */
    @Test
    void shouldCountAReplyAsDroppedOnlyWhenItReachedNoSubscriber() throws Exception {
        start(1L << 30);
        Socket reader = subscriber(1 << 20, "reader".getBytes(StandardCharsets.US_ASCII));
        subscriber(4096, new byte[0]); // the spy
        pump(() -> publish("reader", new byte[] {0}, 0) == 2, "both subscriptions");
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread drain = new Thread(() -> {
            byte[] buf = new byte[1 << 16];
            try (InputStream in = reader.getInputStream()) {
                while (reading.get() && in.read(buf) >= 0) {
                    // the reader takes everything
                }
            } catch (IOException e) {
                // closed at the end
            }
        }, "test-reader");
        drain.setDaemon(true);
        drain.start();
        pump(() -> {
            publish("reader", new byte[] {1}, 20_000);
            publisher.flush();
            return stats.replies(budget).droppedSlowSubscriber() > 0;
        }, "the spy stalled and lost replies");
        assertThat(stats.requests().droppedReplies()).as("no reply reached nobody but those sent before any subscription")
                .isEqualTo(stats.replies(budget).droppedNoSubscriber());
        reading.set(false);
    }

    /**
     * A reader that takes a little now and then is never stalled; while someone waits for room it
     * must still give up the quarter of the budget it holds once its oldest reply waited over 1 s.
     */
    @Test
    void shouldEvictAReaderTooSlowForTheBudgetWhenOthersWait() throws Exception {
        start(2L << 20);
        Socket slow = subscriber(64 << 10, "slow".getBytes(StandardCharsets.US_ASCII));
        pump(() -> publish("slow", new byte[] {0}, 0) == 1, "the subscription");
        AtomicBoolean reading = new AtomicBoolean(true);
        Thread trickle = new Thread(() -> {
            byte[] buf = new byte[64 << 10];
            try (InputStream in = slow.getInputStream()) {
                // about 2 MB/s: the socket takes bytes well within every second, so it never stalls
                while (reading.get() && in.read(buf) >= 0) LockSupport.parkNanos(30_000_000);
            } catch (IOException e) {
                // disconnected by the publisher
            }
        }, "test-trickle");
        trickle.setDaemon(true);
        trickle.start();
        publisher.flush(); // the probes
        long queued = System.nanoTime();
        for (int i = 0; i < 8; i++) publish("slow", new byte[] {1}, 1_000_000);
        publisher.flush();
        pump(() -> {
            publisher.evictStalled(System.nanoTime(), true);
            return stats.replies(budget).evictedSubscribers() == 1;
        }, "the slow reader evicted under pressure");
        assertThat(System.nanoTime() - queued).as("not before its oldest reply waited 1 s")
                .isGreaterThan(ReplyPublisher.STALL_NANOS);
        assertThat(budget.used()).isZero();
        reading.set(false);
    }

    /**
     * Replies sent before their subscription arrives (the slow joiner) are held, and written in
     * the order they came, before later ones, the moment a subscription that is a prefix of their
     * topic arrives; other topics' held replies stay held.
     */
    @Test
    void shouldHoldRepliesUntilTheirSubscriptionComesAndKeepTheirOrder() throws Exception {
        start(1L << 20);
        assertThat(publish("late-a", ascii("1"), 10)).as("held, not queued").isZero();
        assertThat(publish("other", ascii("x"), 10)).isZero();
        assertThat(publish("late-b", ascii("2"), 300)).isZero();
        assertThat(publish("late-a", ascii("3"), 10)).isZero();
        assertThat(publisher.held()).isEqualTo(4);
        assertThat(budget.used()).as("held replies keep their budget").isPositive();
        Socket late = subscriber(1 << 16, ascii("late"));
        late.setSoTimeout(20_000);
        pump(() -> publisher.held() == 1, "the subscription claims the replies to late-a and late-b");
        assertThat(publish("late-a", ascii("4"), 10)).isEqualTo(1);
        publisher.flush();
        InputStream in = late.getInputStream();
        in.readNBytes(Subscriber.HELLO.length);
        List<String> got = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            List<byte[]> r = readReply(in);
            got.add(text(r.get(0)) + "#" + text(r.get(1)));
        }
        assertThat(got).containsExactly("late-a#1", "late-a#3", "late-b#2", "late-a#4");
        assertThat(stats.replies(budget).droppedNoSubscriber()).isZero();
        assertThat(publisher.subscribed(ascii("other"))).isFalse();
        publisher.close();
        assertThat(stats.replies(budget).droppedNoSubscriber()).as("other's reply, dropped when the server stops").isEqualTo(1);
        assertThat(budget.used()).isZero();
    }

    /** A reply no subscription claims within the hold is dropped, counted and gives its budget back. */
    @Test
    void shouldDropAndCountAHeldReplyWhenNoSubscriptionComesInTime() throws Exception {
        start(1L << 20, Duration.ofMillis(200));
        long before = System.nanoTime();
        assertThat(publish("nobody", ascii("1"), 100)).isZero();
        assertThat(publisher.held()).isEqualTo(1);
        pump(() -> {
            publisher.expireHeld(System.nanoTime(), false);
            return publisher.held() == 0;
        }, "the hold expired");
        assertThat(System.nanoTime() - before).isGreaterThanOrEqualTo(200_000_000L);
        assertThat(stats.replies(budget).droppedNoSubscriber()).isEqualTo(1);
        assertThat(stats.requests().droppedReplies()).isEqualTo(1);
        assertThat(budget.used()).isZero();

        // a subscription that comes later gets the replies after it, not the dropped one
        Socket late = subscriber(1 << 16, ascii("nobody"));
        late.setSoTimeout(20_000);
        pump(() -> publisher.subscribed(ascii("nobody")), "the subscription");
        assertThat(publish("nobody", ascii("2"), 100)).isEqualTo(1);
        publisher.flush();
        InputStream in = late.getInputStream();
        in.readNBytes(Subscriber.HELLO.length);
        assertThat(text(readReply(in).get(1))).isEqualTo("2");
    }

    /** Held replies take at most a quarter of the budget and {@link ReplyPublisher#MAX_HELD} entries: the oldest go first. */
    @Test
    void shouldBoundHeldRepliesDroppingTheOldestFirst() throws Exception {
        start(4L << 20);
        publish("a", ascii("1"), 400_000);
        publish("b", ascii("2"), 400_000);
        long b = publisher.heldBytes() / 2;
        publish("c", ascii("3"), 400_000);
        assertThat(publisher.held()).as("a quarter of 4 MiB holds two").isEqualTo(2);
        assertThat(stats.replies(budget).droppedNoSubscriber()).isEqualTo(1);
        assertThat(budget.used()).isEqualTo(publisher.heldBytes()).isEqualTo(2 * b);
        publish("d", ascii("4"), 2 << 20);
        assertThat(stats.replies(budget).droppedNoSubscriber()).as("larger than a quarter: not held").isEqualTo(2);
        assertThat(publisher.held()).isEqualTo(2);

        for (int i = 0; i < ReplyPublisher.MAX_HELD + 10; i++) publish("t" + i, ascii("5"), 0);
        assertThat(publisher.held()).isEqualTo(ReplyPublisher.MAX_HELD);
        assertThat(stats.replies(budget).droppedNoSubscriber()).isEqualTo(2 + 2 + 10); // b, c, then t0..t9
        Socket all = subscriber(1 << 20, ascii("t1"));
        pump(() -> publisher.held() == ReplyPublisher.MAX_HELD - 1110, "t10-t19, t100-t199 and t1000-t1999 claimed");
        assertThat(publisher.subscribed(ascii("t10"))).isTrue();
        all.close();
        assertThat(budget.used()).isLessThan(1L << 20);
    }

    /**
     * A subscription claims its own topic among many held ones, and leaves the rest held (a
     * TreeMap entry removed by its iterator may take its successor's key and value: the claimed
     * replies must be read before it is removed).
     */
    @Test
    void shouldClaimOnlyTheSubscribedTopicAmongManyHeld() throws Exception {
        start(1L << 20, Duration.ofMillis(100));
        for (int i = 0; i < 31; i++) publish(String.format("k%02d", i), ascii("r" + i), 10);
        Socket k15 = subscriber(1 << 16, ascii("k15"));
        k15.setSoTimeout(20_000);
        pump(() -> publisher.held() == 30, "k15 claimed");
        publisher.flush();
        InputStream in = k15.getInputStream();
        in.readNBytes(Subscriber.HELLO.length);
        List<byte[]> r = readReply(in);
        assertThat(text(r.get(0)) + "#" + text(r.get(1))).isEqualTo("k15#r15");
        pump(() -> {
            publisher.expireHeld(System.nanoTime(), false);
            return publisher.held() == 0;
        }, "the others expired");
        assertThat(stats.replies(budget).droppedNoSubscriber()).isEqualTo(30);
        assertThat(budget.used()).isZero();
    }

    /**
     * While someone waits for room in the budget a held reply waits 1 s at most, not the whole
     * hold; a held reply keeps the publisher from being idle (a stopping sink lingers for it).
     */
    @Test
    void shouldHoldForAtMostASecondWhileTheBudgetIsPressed() throws Exception {
        start(1L << 20, Duration.ofSeconds(30));
        long t0 = System.nanoTime();
        publish("x", ascii("1"), 10);
        assertThat(publisher.idle()).isFalse();
        publisher.expireHeld(t0 + 2 * ReplyPublisher.STALL_NANOS, false);
        assertThat(publisher.held()).isEqualTo(1);
        publisher.expireHeld(t0 + 2 * ReplyPublisher.STALL_NANOS, true);
        assertThat(publisher.held()).isZero();
        assertThat(publisher.idle()).isTrue();
        assertThat(stats.replies(budget).droppedNoSubscriber()).isEqualTo(1);
        assertThat(budget.used()).isZero();
    }
}

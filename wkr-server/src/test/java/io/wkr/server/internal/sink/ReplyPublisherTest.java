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
        budget = new MemoryBudget("max_reply_bytes", budgetBytes);
        publisher = new ReplyPublisher("127.0.0.1", 0, budget, Duration.ofSeconds(10), stats);
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
}

package io.wkr.server.internal.sink;

import io.wkr.protocol.Envelope;
import io.wkr.protocol.ErrorCode;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes replies on {@code port_out}, topic = the client's identity (frame 0). The port and
 * every connection on it are confined to the sink thread; every other thread hands replies over
 * through a bounded queue. Every reply holds its bytes of the reply budget ({@code
 * -max_reply_bytes}) from the moment it is handed over until every subscriber it is for has taken
 * it (or is gone). Workers {@link #put}: they wait while the budget or the queue is full, the way
 * TCP makes a fast sender wait for a slow reader, so a reply to a client that reads is never
 * dropped; the sink meanwhile drops replies for, and then disconnects, subscribers that do not read
 * (see {@link ReplyPublisher}). The ventilator {@link #offer}s its small replies without waiting and
 * counts what does not fit. A reply whose client has not subscribed yet (its request overtook its
 * subscription) is held until the subscription comes, for a few seconds at most.
 */
public final class Sink implements Runnable {
    private static final Logger logger = LoggerFactory.getLogger(Sink.class);
    private static final long TICK_MILLIS = 100;
    /** How long a stopping sink keeps writing what waits for subscribers. */
    private static final long LINGER_NANOS = 2_000_000_000L;
    /**
     * The share of the reply budget that workers' replies leave free for the replies that must not
     * wait (error and status replies, given by the ventilator and by drains as well as by workers).
     */
    static final int HEADROOM_SHARE = 16;

    /** A reply and what the statistics need to know about it. */
    private record Reply(Envelope envelope, long arrivalNanos, ErrorCode error, long charge) {}

    private final ReplyPublisher publisher;
    private final ServerStats stats;
    private final MemoryBudget budget;
    private final BlockingQueue<Reply> queue;
    private final Consumer<Throwable> onFailure;
    /** The longest a worker waits for room in the reply budget before its reply is dropped. */
    private final long maxWaitNanos;
    /** The sink thread is (about to be) waiting in select: a new reply must wake it. */
    private volatile boolean sleeping;
    /** Asked to stop: the sink publishes what is queued, lingers, and ends. */
    private volatile boolean stopping;

    private Sink(ReplyPublisher publisher, ServerStats stats, MemoryBudget budget, int capacity,
            Duration slowSubscriberTimeout, Consumer<Throwable> onFailure) {
        this.publisher = publisher;
        this.maxWaitNanos = slowSubscriberTimeout.plusSeconds(5).toNanos();
        this.stats = stats;
        this.budget = budget;
        this.queue = new LinkedBlockingQueue<>(capacity);
        this.onFailure = onFailure;
    }

    /**
     * Binds {@code port_out} and makes the sink that publishes on it; start it on its own thread.
     *
     * @param host interface to bind, {@code *} for all
     * @param port port, 0 for an ephemeral one ({@link #port()} reads it back)
     * @param capacity replies that may wait to be published before workers wait
     * @param maxReplyBytes bytes of replies that may wait for subscribers ({@code -max_reply_bytes}):
     *     the reply budget, of which {@link #put} leaves {@code 1/HEADROOM_SHARE} to {@link #offer}
     * @param slowSubscriberTimeout how long a subscriber may hold waiting replies without reading
     * @param onFailure told that the sink thread is dying of this; must not block
     * @throws UncheckedIOException when the port cannot be bound
     */
    public static Sink bind(String host, int port, ServerStats stats, int capacity, long maxReplyBytes,
            Duration slowSubscriberTimeout, Consumer<Throwable> onFailure) {
        MemoryBudget replyBudget = new MemoryBudget("max_reply_bytes", maxReplyBytes, maxReplyBytes / HEADROOM_SHARE);
        try {
            ReplyPublisher p = new ReplyPublisher(host, port, replyBudget, slowSubscriberTimeout, stats);
            return new Sink(p, stats, replyBudget, capacity, slowSubscriberTimeout, onFailure);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The bound {@code port_out}. */
    public int port() {
        return publisher.port();
    }

    /** The reply budget: bytes of replies waiting for subscribers now, and the limit. */
    public MemoryBudget replyBudget() {
        return budget;
    }

    /**
     * Queues a reply to a data request, waiting while the reply budget or the queue is full. Only
     * if no room comes within the slow-subscriber timeout (and 5 s) is the reply dropped (counted).
     */
    public void put(Envelope reply, long arrivalNanos, ErrorCode error) {
        long size = ReplyPublisher.wireSize(reply);
        boolean reserved = false;
        try {
            long deadline = System.nanoTime() + maxWaitNanos;
            reserved = budget.reserveWithin(size, maxWaitNanos);
            if (reserved && queue.offer(new Reply(reply, arrivalNanos, error, size),
                    Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                wake();
                return;
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (reserved) budget.release(size);
        logger.warn("dropped a reply of {} bytes: no room in the sink within {} s", size, maxWaitNanos / 1_000_000_000L);
        stats.replyDropped();
        if (arrivalNanos >= 0) stats.completed(arrivalNanos, error);
    }

    /**
     * Queues a reply without waiting: for error, status and control replies, which must never
     * hold up the thread that gives them (the ventilator, admission, a drain). They may use the
     * whole reply budget, including the {@code 1/HEADROOM_SHARE} that {@link #put} leaves free for
     * them. {@code arrivalNanos < 0} marks a control reply that is not counted as a data request.
     * False (and counted as dropped) when the queue is full or the reply does not fit.
     */
    public boolean offer(Envelope reply, long arrivalNanos, ErrorCode error) {
        long size = ReplyPublisher.wireSize(reply);
        if (budget.tryReserve(size)) {
            if (queue.offer(new Reply(reply, arrivalNanos, error, size))) {
                wake();
                return true;
            }
            budget.release(size);
        }
        stats.replyDropped();
        if (arrivalNanos >= 0) stats.completed(arrivalNanos, error);
        return false;
    }

    /**
     * Asks the sink to publish what is queued, write what it can within 2 s, then stop. Never
     * blocks (the queue may be full of replies of a sink that died).
     */
    public void stop() {
        stopping = true;
        publisher.wakeup();
    }

    /** Closes the port of a sink whose thread never ran (a start-up that failed half-way). */
    public void closeUnstarted() {
        publisher.close();
    }

    private void wake() {
        // Pairs with run(): the sink sets sleeping, then checks the queue; we add, then check sleeping.
        if (sleeping) publisher.wakeup();
    }

    @Override
    public void run() {
        List<Reply> batch = new ArrayList<>(256);
        long lastTick = System.nanoTime();
        try {
            while (true) {
                queue.drainTo(batch, 256);
                if (batch.isEmpty()) {
                    if (stopping && queue.isEmpty()) break; // workers are done by now: nothing more comes
                    sleeping = true;
                    try {
                        publisher.select(queue.isEmpty() && !stopping ? TICK_MILLIS : 0);
                    } finally {
                        sleeping = false;
                    }
                } else {
                    for (Reply r : batch) publish(r);
                    batch.clear();
                    publisher.flush();
                    publisher.select(0); // new subscribers, subscriptions and writable sockets, while busy
                }
                long now = System.nanoTime();
                if (now - lastTick >= TICK_MILLIS * 1_000_000L) {
                    lastTick = now;
                    boolean pressed = budget.hasWaiters();
                    publisher.evictStalled(now, pressed);
                    publisher.expireHeld(now, pressed);
                }
            }
            long deadline = System.nanoTime() + LINGER_NANOS;
            while (!publisher.idle()) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) break;
                publisher.select(Math.min(left, TICK_MILLIS));
            }
        } catch (Throwable t) {
            // Without this thread no reply reaches any client: stop rather than stay up mute.
            logger.error("the sink failed; the server can no longer answer and stops", t);
            onFailure.accept(t);
            if (t instanceof Error e) throw e;
            if (t instanceof RuntimeException e) throw e;
            throw new UncheckedIOException((IOException) t);
        } finally {
            publisher.close();
            // Whatever is still queued (a sink that failed) is dropped, its budget given back.
            batch.clear();
            queue.drainTo(batch);
            for (Reply r : batch) {
                budget.release(r.charge);
                stats.replyDropped();
                if (r.arrivalNanos >= 0) stats.completed(r.arrivalNanos, r.error);
            }
            logger.debug("sink stopped");
        }
    }

    private void publish(Reply r) {
        try {
            publisher.publish(r.envelope, r.charge);
        } catch (RuntimeException ex) {
            // One reply that cannot go out must not stop the thread every other reply goes through.
            logger.error("could not publish a reply to {}", r.envelope, ex);
            stats.replyDropped();
        }
        if (r.arrivalNanos >= 0) stats.completed(r.arrivalNanos, r.error);
    }
}

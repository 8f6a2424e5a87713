package io.wkr.server.sink;

import io.wkr.protocol.Envelope;
import io.wkr.protocol.ErrorCode;
import io.wkr.server.stats.ServerStats;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZMQ;

/**
 * Publishes replies on {@code port_out}, topic = the client's identity (frame 0). The PUB socket
 * is confined to the sink thread; every other thread hands replies over through a bounded queue.
 * Workers {@link #put} (they wait if the sink is behind, so no accepted request's reply is
 * dropped); the ventilator {@link #offer}s its rejections and counts what does not fit.
 */
public final class Sink implements Runnable {
    private static final Logger logger = LoggerFactory.getLogger(Sink.class);
    private static final Reply STOP = new Reply(null, 0, null);

    /** A reply and what the statistics need to know about it. */
    private record Reply(Envelope envelope, long arrivalNanos, ErrorCode error) {}

    private final ZMQ.Socket pub;
    private final ServerStats stats;
    private final BlockingQueue<Reply> queue;

    /** Takes ownership of {@code pub}; it is closed when {@link #run} returns. */
    public Sink(ZMQ.Socket pub, ServerStats stats, int capacity) {
        this.pub = pub;
        this.stats = stats;
        this.queue = new LinkedBlockingQueue<>(capacity);
    }

    /** Queues a reply to a data request, waiting while the queue is full. */
    public void put(Envelope reply, long arrivalNanos, ErrorCode error) {
        try {
            queue.put(new Reply(reply, arrivalNanos, error));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            stats.droppedReplies.increment();
        }
    }

    /**
     * Queues a reply without waiting; {@code arrivalNanos < 0} marks a control reply that is not
     * counted as a data request. False (and counted as dropped) when the queue is full.
     */
    public boolean offer(Envelope reply, long arrivalNanos, ErrorCode error) {
        if (queue.offer(new Reply(reply, arrivalNanos, error))) return true;
        stats.droppedReplies.increment();
        return false;
    }

    /** Asks the sink to publish what is queued, then stop. */
    public void stop() {
        try {
            queue.put(STOP);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void run() {
        java.util.List<Reply> batch = new java.util.ArrayList<>(256);
        try {
            while (true) {
                batch.add(queue.take());
                queue.drainTo(batch, 255); // one lock round-trip for whatever piled up meanwhile
                for (Reply r : batch) {
                    if (r == STOP) return;
                    publish(r);
                }
                batch.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            pub.close();
            logger.debug("sink stopped");
        }
    }

    private void publish(Reply r) {
        Envelope e = r.envelope;
        boolean sent;
        try {
            sent = pub.send(e.identity(), ZMQ.SNDMORE)
                    && pub.send(e.requestId(), ZMQ.SNDMORE)
                    && pub.send(e.payload(), ZMQ.SNDMORE)
                    && pub.send(e.info(), 0);
        } catch (RuntimeException ex) {
            // One reply that cannot go out must not stop the thread every other reply goes through.
            logger.error("could not publish a reply to {}", e, ex);
            sent = false;
        }
        if (!sent) stats.droppedReplies.increment();
        if (r.arrivalNanos >= 0) stats.completed(r.arrivalNanos, r.error);
    }
}

package io.wkr.server.internal.sink;

import io.wkr.protocol.Envelope;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.Map;
import java.util.NavigableMap;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Replies held for subscriptions that have not arrived yet (the PUB/SUB slow joiner): by topic,
 * for {@link #claim} by a subscription that is a prefix of it, and in the order they came, for
 * dropping the oldest. What to hold, for how long and how many is {@link ReplyPublisher}'s to
 * decide. Confined to the sink thread.
 */
final class HeldReplies {
    /** A held reply and what it holds of the reply budget; linked to the others in the order they came. */
    static final class Unclaimed {
        final Envelope envelope;
        final long charge;
        final long since;
        private Unclaimed older;
        private Unclaimed newer;

        private Unclaimed(Envelope envelope, long charge, long since) {
            this.envelope = envelope;
            this.charge = charge;
            this.since = since;
        }
    }

    /**
     * By topic, oldest first per topic, in unsigned lexicographic order: the topics a subscription
     * is a prefix of are adjacent, from the subscription itself on.
     */
    private final NavigableMap<byte[], ArrayDeque<Unclaimed>> byTopic = new TreeMap<>(Arrays::compareUnsigned);
    private Unclaimed oldest;
    private Unclaimed newest;
    private int count;
    private long bytes;

    /** Replies held now. */
    int count() {
        return count;
    }

    /** What they hold of the reply budget. */
    long bytes() {
        return bytes;
    }

    /** The reply held longest, or null when none is. */
    Unclaimed oldest() {
        return oldest;
    }

    /** Holds a reply behind those already held for its topic. */
    void add(Envelope e, long charge, long now) {
        Unclaimed u = new Unclaimed(e, charge, now);
        byTopic.computeIfAbsent(e.identity(), t -> new ArrayDeque<>(2)).add(u);
        if (newest == null) {
            oldest = u;
        } else {
            newest.newer = u;
            u.older = newest;
        }
        newest = u;
        count++;
        bytes += charge;
    }

    /** Removes and returns the reply held longest (the oldest of its topic too), or null when none is. */
    Unclaimed removeOldest() {
        Unclaimed u = oldest;
        if (u == null) return null;
        unlink(u);
        ArrayDeque<Unclaimed> q = byTopic.get(u.envelope.identity());
        if (q != null) { // always there; a bookkeeping slip must not stop the thread every reply goes through
            q.removeFirstOccurrence(u); // the first: held in the order they came
            if (q.isEmpty()) byTopic.remove(u.envelope.identity());
        }
        return u;
    }

    /**
     * Removes the replies held for every topic {@code prefix} is a prefix of and gives them to
     * {@code into}, oldest first per topic.
     */
    void claim(byte[] prefix, Consumer<Unclaimed> into) {
        Iterator<Map.Entry<byte[], ArrayDeque<Unclaimed>>> it = byTopic.tailMap(prefix, true).entrySet().iterator();
        while (it.hasNext()) {
            Map.Entry<byte[], ArrayDeque<Unclaimed>> topic = it.next();
            if (!startsWith(topic.getKey(), prefix)) return;
            // read before removing: TreeMap may reuse a removed entry for its successor's key and value
            ArrayDeque<Unclaimed> replies = topic.getValue();
            it.remove();
            for (Unclaimed u : replies) {
                unlink(u);
                into.accept(u);
            }
        }
    }

    private void unlink(Unclaimed u) {
        if (u.older == null) oldest = u.newer; else u.older.newer = u.newer;
        if (u.newer == null) newest = u.older; else u.newer.older = u.older;
        u.older = null;
        u.newer = null;
        count--;
        bytes -= u.charge;
    }

    private static boolean startsWith(byte[] topic, byte[] prefix) {
        return topic.length >= prefix.length && Arrays.equals(topic, 0, prefix.length, prefix, 0, prefix.length);
    }
}

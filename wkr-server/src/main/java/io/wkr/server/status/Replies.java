package io.wkr.server.status;

/**
 * Replies on their way to clients ({@code replies}).
 *
 * @param subscribers connections on {@code port_out} now
 * @param dropped replies that reached no client: no subscriber, a subscriber that did not read,
 *     a full sink queue, no room in the reply budget in time (counted once per reply)
 * @param droppedNoSubscriber of those, replies no connection subscribed to
 * @param droppedSlowSubscriber replies dropped for a connection that did not read or was
 *     disconnected with them (once per connection)
 * @param evictedSubscribers connections closed for not reading or not finishing the handshake
 * @param waitingBytes bytes of replies waiting for their subscribers now, of {@code max_reply_bytes}
 * @param maxBytes {@code max_reply_bytes}
 * @param peakBytes the most reply bytes ever waiting
 */
public record Replies(
        int subscribers,
        long dropped,
        long droppedNoSubscriber,
        long droppedSlowSubscriber,
        long evictedSubscribers,
        long waitingBytes,
        long maxBytes,
        long peakBytes) {}

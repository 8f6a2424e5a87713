package io.wkr.server.internal.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Envelope;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link HeldReplies}: prefix claims, order per topic and overall, counts. */
class HeldRepliesTest {
    private final HeldReplies held = new HeldReplies();

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.ISO_8859_1);
    }

    private void add(String topic, String id, long now) {
        held.add(new Envelope(ascii(topic), ascii(id), new byte[0], new byte[0]), 10, now);
    }

    private List<String> claim(String prefix) {
        List<String> got = new ArrayList<>();
        held.claim(ascii(prefix), u -> got.add(new String(u.envelope.identity(), StandardCharsets.ISO_8859_1) + "#"
                + new String(u.envelope.requestId(), StandardCharsets.ISO_8859_1)));
        return got;
    }

    @Test
    void shouldClaimEveryTopicASubscriptionIsAPrefixOfInOrder() {
        add("ab", "1", 1);
        add("abc", "2", 2);
        add("a", "3", 3);
        add("abc", "4", 4);
        add("b", "5", 5);
        add("ab\u00ff", "6", 6); // unsigned order: 0xff sorts after every ASCII byte
        assertThat(held.count()).isEqualTo(6);
        assertThat(claim("abc")).containsExactly("abc#2", "abc#4");
        assertThat(claim("ab")).containsExactly("ab#1", "ab\u00ff#6");
    }

    @Test
    void shouldRemoveTheOldestFirstAndCountBytes() {
        for (int i = 0; i < 50; i++) add("t" + (i % 7), Integer.toString(i), i);
        assertThat(held.bytes()).isEqualTo(500);
        assertThat(claim("t3")).hasSize(7);
        List<Long> since = new ArrayList<>();
        HeldReplies.Unclaimed u;
        while ((u = held.removeOldest()) != null) since.add(u.since);
        assertThat(since).hasSize(43).isSorted();
        assertThat(held.count()).isZero();
        assertThat(held.bytes()).isZero();
        assertThat(claim("")).isEmpty();
    }
}

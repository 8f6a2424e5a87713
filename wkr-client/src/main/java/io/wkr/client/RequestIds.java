package io.wkr.client;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The request ids of one connection, as frame 1 carries them: {@code <nonce>-<n>} in ASCII, where
 * the nonce is 16 lowercase hex digits drawn at random (64 bits) for the connection and {@code n}
 * counts from 1 in decimal, for example {@code 9f86d081884c7d65-17}.
 *
 * <p>The server echoes the id as opaque bytes, and every client subscribed to an identity
 * receives every reply published under it. The nonce makes a connection's ids its own: a reply
 * whose id this connection did not issue (another client's with the same identity, whichever way
 * that client numbers its requests) does not decode here and is ignored. Two connections draw the
 * same nonce with probability 2<sup>-64</sup>. Thread-safe.
 */
final class RequestIds {
    private static final int NONCE_CHARS = 16;
    /** Digits of the largest counter, {@link Long#MAX_VALUE}. */
    private static final int MAX_DIGITS = 19;
    private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);

    /** {@code <nonce>-}, the start of every id of this connection. */
    private final byte[] prefix;
    private final AtomicLong last = new AtomicLong();

    RequestIds() {
        this(new SecureRandom().nextLong());
    }

    RequestIds(long nonce) {
        prefix = new byte[NONCE_CHARS + 1];
        for (int k = 0; k < NONCE_CHARS; k++) prefix[k] = HEX[(int) (nonce >>> (60 - 4 * k)) & 0xf];
        prefix[NONCE_CHARS] = '-';
    }

    /** A counter not handed out before by this connection: 1, 2, 3, ... */
    long next() {
        return last.incrementAndGet();
    }

    /** Frame 1 for {@code counter}. */
    byte[] encode(long counter) {
        byte[] digits = Long.toString(counter).getBytes(StandardCharsets.US_ASCII);
        byte[] id = Arrays.copyOf(prefix, prefix.length + digits.length);
        System.arraycopy(digits, 0, id, prefix.length, digits.length);
        return id;
    }

    /** The counter in {@code frame}, or -1 when this connection did not issue it. */
    long decode(byte[] frame) {
        int n = frame.length - prefix.length;
        if (n < 1 || n > MAX_DIGITS || !Arrays.equals(frame, 0, prefix.length, prefix, 0, prefix.length)) return -1;
        if (frame[prefix.length] == '0') return -1; // never issued: counters start at 1, written without leading zeros
        long v = 0;
        for (int k = prefix.length; k < frame.length; k++) {
            int d = frame[k] - '0';
            if (d < 0 || d > 9 || v > (Long.MAX_VALUE - d) / 10) return -1;
            v = v * 10 + d;
        }
        return v;
    }

    /** The id of {@code counter} as text, for messages. */
    String text(long counter) {
        return new String(prefix, StandardCharsets.US_ASCII) + counter;
    }
}

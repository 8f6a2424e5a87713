package io.wkr.client;

import io.wkr.protocol.DecodeLimits;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.PickleCodec;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.RequestTimeoutException;
import io.wkr.protocol.WKRException;
import io.wkr.protocol.Wire;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * What a connection does before its first request: wait until its subscription is live, then
 * check the server. Stateless; runs on the thread that constructs the connection.
 */
final class Handshake {
    private Handshake() {}

    /**
     * Repeats a status request, 100 ms apart and doubling up to 1 s, until one is answered. A PUB
     * socket drops what it publishes before a subscription reaches it, so an answer, which takes
     * the path of every reply, proves the subscription live.
     *
     * @param sendStatus sends a status request whose reply the receiver thread completes
     * @param forget drops a request whose reply is no longer wanted
     * @return the answer: wkr's JSON status, an original Python server's pickled dict, or an
     *     empty map when it was neither
     * @throws RequestTimeoutException when no attempt is answered within {@code timeout}
     */
    @SuppressWarnings("unchecked")
    static Map<String, Object> awaitStatus(Supplier<Pending> sendStatus, Consumer<Pending> forget, Duration timeout,
            String endpoint) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long wait = 100;
        List<Pending> attempts = new ArrayList<>();
        try {
            while (true) {
                attempts.add(sendStatus.get());
                // Any attempt's answer will do: a late answer to an earlier one proves the subscription too.
                CompletableFuture<Object> any = CompletableFuture.anyOf(attempts.toArray(new CompletableFuture<?>[0]));
                try {
                    Object v = any.get(wait, TimeUnit.MILLISECONDS);
                    return v instanceof Map ? (Map<String, Object>) v : Map.of();
                } catch (TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new RequestTimeoutException("no answer from a wkr server at " + endpoint + " within "
                                + timeout.toMillis() + " ms");
                    }
                    wait = Math.min(wait * 2, 1000);
                } catch (ExecutionException e) {
                    if (e.getCause() instanceof RuntimeException re) throw re;
                    throw new WKRException(ErrorCode.INTERNAL, e.getCause().toString(), e.getCause());
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new WKRException(ErrorCode.INTERNAL, "interrupted while connecting to " + endpoint, e);
                }
            }
        } finally {
            attempts.forEach(forget); // answers to the other attempts are dropped
        }
    }

    /**
     * True when the status is an original Python server's: wkr's status always carries {@code
     * wkr_version}, the original's never does (an empty status, one nothing could read, counts as
     * the original's too).
     */
    static boolean isOriginal(Map<String, Object> status) {
        return !status.containsKey("wkr_version");
    }

    /**
     * The codec a connection speaks: {@code fallback} (Kryo for {@code obj}) with a wkr server,
     * and with an original one in {@code obj} mode the original client's pickles ({@link
     * PickleCodec}: info {@code {"protocol": -1, "compress": 0}}, pickled replies read by the
     * restricted reader). {@code numpy} frames are the same for both.
     */
    static PayloadCodec codecFor(ClientConfig config, boolean original, PayloadCodec fallback) {
        if (!original || config.protocol() != Protocol.OBJ) return fallback;
        return new PickleCodec(DecodeLimits.DEFAULT, PickleCodec.DEFAULT_MAX_INFLATED_BYTES);
    }

    /**
     * Checks that the server speaks the client's protocol and, with {@code checkVersion}, that its
     * version fits: the same major wkr version ({@code wkr_version}) for a wkr server; for an
     * original Python server (a pickled status without {@code wkr_version}) the same major
     * {@code server_version} as the original protocol wkr speaks ({@value Wire#COMPAT_SERVER_VERSION}),
     * where the original client asks for the exact string.
     *
     * @throws IllegalStateException saying what does not match
     */
    static void check(ClientConfig config, Map<String, Object> status, String endpoint) {
        if (status.isEmpty()) {
            throw new IllegalStateException("the server at " + endpoint + " answered the status request with "
                    + "neither a JSON status nor a pickled dict: not a wkr or wkr-serving server? (set "
                    + "ignoreAllChecks to skip the checks)");
        }
        boolean original = isOriginal(status);
        Object protocol = status.get("protocol");
        if (!(protocol instanceof String p && config.protocol().wireName().equalsIgnoreCase(p))) {
            throw new IllegalStateException("protocol mismatch: client " + config.protocol().wireName() + ", "
                    + (original ? "original Python server " : "server ") + protocol + " at " + endpoint);
        }
        if (!config.checkVersion()) return;
        String key = original ? "server_version" : "wkr_version";
        String mine = original ? Wire.COMPAT_SERVER_VERSION : Wire.WKR_VERSION;
        Object v = status.get(key);
        String server = v == null ? "?" : v.toString();
        if (!major(server).equals(major(mine))) {
            throw new IllegalStateException("version mismatch: client " + mine + ", " + (original
                    ? "original Python server " : "server ") + server + " (" + key + ") at " + endpoint
                    + " (set checkVersion false to skip)");
        }
    }

    private static String major(String version) {
        int dot = version.indexOf('.');
        return dot < 0 ? version : version.substring(0, dot);
    }
}

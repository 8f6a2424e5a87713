package io.wkr.client;

import io.wkr.protocol.ErrorCode;
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
     * @return the answer, or an empty map when it was not JSON (a Python server's pickle)
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
     * Checks that the server speaks the client's protocol and, with {@code checkVersion}, has the
     * same major wkr version.
     *
     * @throws IllegalStateException saying what does not match
     */
    static void check(ClientConfig config, Map<String, Object> status, String endpoint) {
        if (status.isEmpty()) {
            throw new IllegalStateException("the server at " + endpoint + " did not send a JSON status: not a wkr "
                    + "server? (set ignoreAllChecks to skip the checks)");
        }
        Object protocol = status.get("protocol");
        if (!config.protocol().wireName().equals(protocol)) {
            throw new IllegalStateException("protocol mismatch: client " + config.protocol().wireName() + ", server "
                    + protocol + " at " + endpoint);
        }
        if (config.checkVersion()) {
            Object v = status.get("wkr_version");
            String server = v == null ? "?" : v.toString();
            if (!major(server).equals(major(Wire.WKR_VERSION))) {
                throw new IllegalStateException("version mismatch: client " + Wire.WKR_VERSION + ", server " + server
                        + " at " + endpoint + " (set checkVersion false to skip)");
            }
        }
    }

    private static String major(String version) {
        int dot = version.indexOf('.');
        return dot < 0 ? version : version.substring(0, dot);
    }
}

package io.wkr.client;

import io.wkr.protocol.RequestTimeoutException;
import io.wkr.protocol.WKRException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.zeromq.ZContext;

/**
 * A client for many threads: {@code maxConcurrency} connections in one ZeroMQ context, each with
 * its own identity, its own sockets and its own receiver thread. Calls are spread round-robin over
 * the connections; any number of requests can be in flight on each, so, unlike the original's
 * pool, a call never fails because all connections are busy.
 *
 * <p><b>Thread-safe</b>, as {@link WKRClient} is: any thread may call any method. Where a {@code
 * WKRClient} makes every caller take turns on one connection, this spreads them over several, so
 * concurrent callers wait less for each other's sends and reads. Each connection behaves as a
 * {@code WKRClient} does (see there for who reads the replies, and on which thread callbacks run).
 *
 * <pre>{@code
 * try (ConcurrentWKRClient client = new ConcurrentWKRClient(ClientConfig.builder("localhost", 5555, 5556).build(), 4)) {
 *     // from any number of threads:
 *     Object out = client.encode(input);
 * }
 * }</pre>
 */
public final class ConcurrentWKRClient implements AutoCloseable {
    private final ZContext context = new ZContext(1);
    private final List<Connection> connections = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();

    /**
     * Opens the connections one after the other, each with its own handshake.
     *
     * @param config options for every connection; its identity is used as a prefix ({@code
     *     identity-00}, {@code identity-01}, ... with as many digits as the largest index needs)
     * @param maxConcurrency number of connections
     * @throws RequestTimeoutException when the server does not answer within the timeout
     * @throws IllegalStateException when the server's protocol or version does not match
     */
    public ConcurrentWKRClient(ClientConfig config, int maxConcurrency) {
        if (maxConcurrency < 1) throw new IllegalArgumentException("maxConcurrency < 1: " + maxConcurrency);
        try {
            // Fixed-width suffixes: no connection's identity is a prefix of another's (PUB/SUB matches prefixes).
            String format = "%s-%0" + Integer.toString(maxConcurrency - 1).length() + "d";
            for (int i = 0; i < maxConcurrency; i++) {
                ClientConfig c = config.toBuilder().identity(String.format(format, config.identity(), i)).build();
                connections.add(new Connection(c, context));
            }
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    /** Connects with default options and 10 connections. */
    public ConcurrentWKRClient(String ip, int port, int portOut) {
        this(ClientConfig.builder(ip, port, portOut).build(), 10);
    }

    private Connection pick() {
        return connections.get(Math.floorMod(next.getAndIncrement(), connections.size()));
    }

    /** {@link WKRClient#encode}, on the next connection in turn. */
    public Object encode(Object input) {
        return pick().encode(input);
    }

    /** {@link WKRClient#encode(Object, Class)}, on the next connection in turn. */
    public <T> T encode(Object input, Class<T> type) {
        return type.cast(encode(input));
    }

    /** {@link WKRClient#encodeAsync}, on the next connection in turn. */
    public CompletableFuture<Object> encodeAsync(Object input) {
        return pick().encodeAsync(input);
    }

    /** {@link WKRClient#serverStatus}, on the next connection in turn. */
    public Map<String, Object> serverStatus() {
        return pick().serverStatus();
    }

    /** Number of connections. */
    public int size() {
        return connections.size();
    }

    /**
     * Closes every connection; requests still waiting fail with a {@link WKRException} ({@code
     * SHUTTING_DOWN}). Idempotent.
     */
    @Override
    public void close() {
        for (Connection c : connections) c.close();
        context.close();
    }
}

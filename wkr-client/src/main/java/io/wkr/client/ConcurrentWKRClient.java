package io.wkr.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.zeromq.ZContext;

/**
 * A thread-safe client for many threads: a pool of {@code maxConcurrency} connections (each a
 * {@link WKRClient} with its own identity) in one ZeroMQ context. Calls are spread round-robin
 * over the connections; only the send is serialised per connection, so any number of requests
 * can be in flight at once. Unlike the original's pool, a call never fails because all
 * connections are busy.
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
    private final List<WKRClient> clients = new ArrayList<>();
    private final AtomicInteger next = new AtomicInteger();
    private final ClientConfig config;

    /**
     * @param config options for every connection; its identity is used as a prefix ({@code
     *     identity-00}, {@code identity-01}, ... with as many digits as the largest index needs)
     * @param maxConcurrency number of connections
     */
    public ConcurrentWKRClient(ClientConfig config, int maxConcurrency) {
        if (maxConcurrency < 1) throw new IllegalArgumentException("maxConcurrency < 1: " + maxConcurrency);
        this.config = config;
        try {
            // Fixed-width suffixes: no connection's identity is a prefix of another's (PUB/SUB matches prefixes).
            String format = "%s-%0" + Integer.toString(maxConcurrency - 1).length() + "d";
            for (int i = 0; i < maxConcurrency; i++) {
                clients.add(new WKRClient(config.toBuilder().identity(String.format(format, config.identity(), i)).build(),
                        context));
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

    private WKRClient pick() {
        return clients.get(Math.floorMod(next.getAndIncrement(), clients.size()));
    }

    /** Thread-safe {@link WKRClient#encode}. */
    public Object encode(Object input) {
        WKRClient c = pick();
        WKRClient.Pending p;
        synchronized (c) {
            p = c.send(input, false, false);
        }
        return c.awaitReading(p);
    }

    /** Thread-safe {@link WKRClient#encode(Object, Class)}. */
    public <T> T encode(Object input, Class<T> type) {
        return type.cast(encode(input));
    }

    /** Thread-safe {@link WKRClient#encodeAsync}. */
    public CompletableFuture<Object> encodeAsync(Object input) {
        WKRClient c = pick();
        WKRClient.Pending p;
        synchronized (c) {
            p = c.send(input, false, true);
        }
        return c.withTimeout(p);
    }

    /** Thread-safe {@link WKRClient#serverStatus}. */
    public Map<String, Object> serverStatus() {
        WKRClient c = pick();
        WKRClient.Pending p;
        synchronized (c) {
            p = c.send(null, true, false);
        }
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) c.awaitReading(p);
        return m;
    }

    /** Number of connections. */
    public int size() {
        return clients.size();
    }

    @Override
    public void close() {
        for (WKRClient c : clients) c.close();
        context.close();
    }
}

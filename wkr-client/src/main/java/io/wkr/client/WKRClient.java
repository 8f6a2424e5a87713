package io.wkr.client;

import io.wkr.protocol.RequestTimeoutException;
import io.wkr.protocol.ShuttingDownException;
import io.wkr.protocol.WKRException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.zeromq.ZContext;

/**
 * Calls a wkr server over one connection: {@link #encode} sends one input and returns the
 * worker's output.
 *
 * <p><b>A {@code WKRClient} is thread-safe</b>: any thread may call any method, and the futures it
 * returns may be waited on anywhere. All calls share one connection (one identity, one PUSH and
 * one SUB socket): concurrent sends take turns, and one thread at a time reads the replies for
 * everyone. That suits one thread, or a few; for many threads calling at once, {@link
 * ConcurrentWKRClient} spreads the calls over several connections.
 *
 * <pre>{@code
 * try (WKRClient client = new WKRClient("localhost", 5555, 5556)) {
 *     Object echoed = client.encode("hello");
 *     CompletableFuture<Object> later = client.encodeAsync(List.of(1, 2, 3));
 * }
 * }</pre>
 *
 * <p>Requests go out on a PUSH socket to {@code port_in}; replies come back on a SUB socket
 * subscribed to this client's identity. A caller of the blocking {@link #encode} reads that socket
 * itself while it waits, as a REQ socket's caller does, so its reply reaches it without a hand-off
 * between threads. Whenever no caller is reading and replies are due (an {@link #encodeAsync}, or
 * a caller that found another one reading), a background thread {@code wkr-client-<n>} reads and
 * completes the matching futures. Each request id is unique to this client, so clients that share
 * an identity receive each other's replies but never complete a call with another client's result.
 * The constructor waits until the subscription is live (it repeats a status request until one is
 * answered), so the first reply is never lost to the PUB/SUB slow-joiner race; unless {@code
 * ignoreAllChecks}, it also checks the server's protocol and version. Errors come back as the
 * {@link WKRException} subclass of their wire code.
 *
 * <p>It also calls an original Python wkr-serving server, with the same default checks: such a
 * server answers the status request with a pickled dict (no {@code wkr_version}), which the client
 * reads with the restricted pickle reader and checks against {@code protocol} and the major number
 * of {@code server_version}; in {@code obj} mode the client then sends and reads the original
 * client's pickles instead of Kryo ({@code docs/protocol.md}, "Python clients").
 */
public final class WKRClient implements AutoCloseable {
    private final ZContext context;
    private final Connection connection;

    /** Connects with default options ({@code obj} protocol, 60 s timeout, checks on). */
    public WKRClient(String ip, int port, int portOut) {
        this(ClientConfig.builder(ip, port, portOut).build());
    }

    /**
     * @throws RequestTimeoutException when the server does not answer within the timeout
     * @throws IllegalStateException when the server's protocol or version does not match
     */
    public WKRClient(ClientConfig config) {
        ZContext context = new ZContext(1);
        try {
            this.connection = new Connection(config, context);
        } catch (RuntimeException e) {
            context.close();
            throw e;
        }
        this.context = context;
    }

    public ClientConfig config() {
        return connection.config();
    }

    /** This client's identity (the topic its replies are published under). */
    public String identity() {
        return connection.config().identity();
    }

    /**
     * Sends one input and waits for its output.
     *
     * @throws RequestTimeoutException when no reply comes within the timeout
     * @throws WKRException (a subclass per error code) when the server answers with an error
     * @throws IllegalArgumentException when the protocol cannot carry {@code input}
     * @throws IllegalStateException when the client is closed
     */
    public Object encode(Object input) {
        return connection.encode(input);
    }

    /** {@link #encode} with the result cast to {@code type}. */
    public <T> T encode(Object input, Class<T> type) {
        return type.cast(encode(input));
    }

    /**
     * Sends one input and returns at once; the future completes with the output, with the {@link
     * WKRException} of an error reply, with a {@link RequestTimeoutException} soon after the
     * timeout (no timer runs per request: the receiver thread looks for requests past their
     * deadline every 50 ms), or with a {@link ShuttingDownException} when the client is closed
     * first.
     *
     * <p>Callbacks attached to the future without an executor run on the thread that read the
     * reply: the client's receiver thread, or a caller blocked in {@link #encode} on this client.
     * Keep them short, or pass an executor ({@code thenApplyAsync(f, executor)}): while one runs,
     * no other reply of this client is read.
     *
     * @throws IllegalArgumentException when the protocol cannot carry {@code input}
     * @throws IllegalStateException when the client is closed
     */
    public CompletableFuture<Object> encodeAsync(Object input) {
        return connection.encodeAsync(input);
    }

    /**
     * The server's configuration and live statistics (its {@code SHOW_CONFIG} reply: wkr's JSON
     * status, or an original Python server's pickled dict read as Java values).
     */
    public Map<String, Object> serverStatus() {
        return connection.serverStatus();
    }

    /** The status the server returned while this client connected (checked unless ignored). */
    public Map<String, Object> serverStatusAtConnect() {
        return connection.serverStatusAtConnect();
    }

    /** Number of requests sent and not yet answered. */
    public int pendingRequests() {
        return connection.pendingRequests();
    }

    /** Closes the sockets; requests still waiting fail with {@link ShuttingDownException}. Idempotent. */
    @Override
    public void close() {
        connection.close();
        context.close();
    }
}

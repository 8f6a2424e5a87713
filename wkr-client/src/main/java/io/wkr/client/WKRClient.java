package io.wkr.client;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.RequestTimeoutException;
import io.wkr.protocol.ShuttingDownException;
import io.wkr.protocol.WKRException;
import io.wkr.protocol.Wire;
import io.wkr.protocol.internal.Json;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import zmq.ZError;

/**
 * Calls a wkr server: {@link #encode} sends one input and returns the worker's output.
 *
 * <p><b>A {@code WKRClient} is not thread-safe</b>: call it from one thread at a time (the
 * futures it returns may be waited on anywhere). For many threads use {@link
 * ConcurrentWKRClient}.
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
 * between threads (on a small virtual machine each hand-off costs tens of microseconds). Whenever
 * no caller is reading and replies are due (an {@link #encodeAsync}, or a caller that found
 * another one reading), a background thread {@code wkr-client-<n>} reads and completes the
 * matching futures. Only one thread reads at a time. The constructor waits until the subscription is live (it
 * repeats a status request until one is answered), so the first reply is never lost to the
 * PUB/SUB slow-joiner race; unless {@code ignoreAllChecks}, it also checks the server's protocol
 * and version. Errors come back as the {@link WKRException} subclass of their wire code.
 */
public final class WKRClient implements AutoCloseable {
    private static final AtomicInteger CLIENTS = new AtomicInteger();

    private final ClientConfig config;
    private final PayloadCodec codec;
    private final byte[] identity;
    private final ZContext context;
    private final boolean ownsContext;
    private final ZMQ.Socket push;
    private final ZMQ.Socket sub;
    private final Thread receiver;
    private final AtomicLong requestIds = new AtomicLong();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    /** Held by whichever thread reads {@link #sub}: a blocking caller, or the receiver thread. */
    private final ReentrantLock reading = new ReentrantLock();
    private final String endpoint;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set when the receiver thread died: the client cannot complete asynchronous requests any more. */
    private volatile WKRException receiverFailure;
    private final Map<String, Object> serverStatusAtConnect;

    /** A request waiting for its reply; the receiver thread fails it once its deadline passes. */
    static final class Pending extends CompletableFuture<Object> {
        final long id;
        final boolean status;
        final long deadlineNanos;
        /** Nobody reads for it: the receiver thread completes it. */
        final boolean async;

        Pending(long id, boolean status, long deadlineNanos, boolean async) {
            this.id = id;
            this.status = status;
            this.deadlineNanos = deadlineNanos;
            this.async = async;
        }
    }

    /** Connects with default options ({@code obj} protocol, 60 s timeout, checks on). */
    public WKRClient(String ip, int port, int portOut) {
        this(ClientConfig.builder(ip, port, portOut).build());
    }

    public WKRClient(ClientConfig config) {
        this(config, null);
    }

    /**
     * @param sharedContext a context to create the sockets in (owned by the caller), or null for
     *     a private one
     * @throws RequestTimeoutException when the server does not answer within the timeout
     * @throws IllegalStateException when the server's protocol or version does not match
     */
    WKRClient(ClientConfig config, ZContext sharedContext) {
        this.config = config;
        this.codec = PayloadCodec.of(config.protocol(), config.objClasses());
        this.identity = config.identity().getBytes(StandardCharsets.UTF_8);
        this.endpoint = "tcp://" + config.ip() + ":" + config.port() + "/" + config.portOut();
        this.ownsContext = sharedContext == null;
        this.context = ownsContext ? new ZContext(1) : sharedContext;
        push = context.createSocket(SocketType.PUSH);
        push.setLinger(0);
        push.setHandshakeIvl(5000);
        push.setSendTimeOut((int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis()));
        push.connect("tcp://" + config.ip() + ":" + config.port());
        sub = context.createSocket(SocketType.SUB);
        sub.setLinger(0);
        sub.setHandshakeIvl(5000);
        sub.setRcvHWM(0);
        sub.setReceiveTimeOut(50);
        sub.subscribe(identity);
        sub.connect("tcp://" + config.ip() + ":" + config.portOut());
        receiver = new Thread(this::receiveLoop, "wkr-client-" + CLIENTS.incrementAndGet());
        receiver.setDaemon(true);
        receiver.start();
        try {
            serverStatusAtConnect = handshake();
            if (!config.ignoreAllChecks()) check(serverStatusAtConnect);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public ClientConfig config() {
        return config;
    }

    /** This client's identity (the topic its replies are published under). */
    public String identity() {
        return config.identity();
    }

    /**
     * Sends one input and waits for its output.
     *
     * @throws RequestTimeoutException when no reply comes within the timeout
     * @throws WKRException (a subclass per error code) when the server answers with an error
     * @throws IllegalArgumentException when the protocol cannot carry {@code input}
     */
    public Object encode(Object input) {
        return awaitReading(send(input, false, false));
    }

    /** {@link #encode} with the result cast to {@code type}. */
    public <T> T encode(Object input, Class<T> type) {
        return type.cast(encode(input));
    }

    /**
     * Sends one input and returns at once; the future completes with the output, with the {@link
     * WKRException} of an error reply, or with a {@link RequestTimeoutException} after the
     * timeout.
     *
     * <p>Callbacks attached to the future without an executor run on the thread that read the
     * reply: the client's receiver thread, or a caller blocked in {@link #encode} on this client.
     * Keep them short, or pass an executor ({@code thenApplyAsync(f, executor)}): while one runs,
     * no other reply of this client is read.
     */
    public CompletableFuture<Object> encodeAsync(Object input) {
        return withTimeout(send(input, false, true));
    }

    /** The server's configuration and live statistics (its {@code SHOW_CONFIG} reply). */
    @SuppressWarnings("unchecked")
    public Map<String, Object> serverStatus() {
        return (Map<String, Object>) awaitReading(send(null, true, false));
    }

    /** The status the server returned while this client connected (checked unless ignored). */
    public Map<String, Object> serverStatusAtConnect() {
        return serverStatusAtConnect;
    }

    /** Number of requests sent and not yet answered. */
    public int pendingRequests() {
        return pending.size();
    }

    /**
     * The caller's view of a pending request. Its timeout needs no timer per request: the receiver
     * thread fails requests whose deadline passed (see {@link #expire}), so the future completes
     * with a {@link RequestTimeoutException} at most {@code SWEEP_NANOS} late.
     */
    CompletableFuture<Object> withTimeout(Pending p) {
        return p.copy();
    }

    /**
     * Sends a request (a status request when {@code status}) and registers its future. With {@code
     * wakeReceiver} the receiver thread is told that a reply is due; a caller that will wait in
     * {@link #awaitReading} does not need it.
     */
    Pending send(Object input, boolean status, boolean wakeReceiver) {
        if (closed.get()) throw new IllegalStateException("client is closed");
        if (receiverFailure != null) {
            throw new WKRException(ErrorCode.INTERNAL, "this client can no longer receive replies: "
                    + receiverFailure.getMessage(), receiverFailure);
        }
        long id = requestIds.incrementAndGet();
        byte[] payload;
        byte[] info;
        if (status) {
            payload = Wire.SHOW_CONFIG;
            info = Json.writeBytes(Map.of(Wire.INFO_FORMAT, "json"));
        } else {
            PayloadCodec.Encoded enc = codec.encode(input, config.timeout().toMillis());
            payload = enc.payload();
            info = enc.info();
        }
        Pending p = new Pending(id, status, System.nanoTime() + config.timeout().toNanos(), wakeReceiver);
        pending.put(id, p);
        if (closed.get()) { // closed meanwhile: close() may already have failed what was pending
            pending.remove(id);
            throw new ShuttingDownException("client closed");
        }
        byte[] rid = Long.toString(id).getBytes(StandardCharsets.US_ASCII);
        boolean sent = push.send(identity, ZMQ.SNDMORE) && push.send(rid, ZMQ.SNDMORE)
                && push.send(payload, ZMQ.SNDMORE) && push.send(info, 0);
        if (!sent) {
            pending.remove(id);
            throw new RequestTimeoutException("could not send request " + id + " to " + endpoint + " within "
                    + config.timeout().toMillis() + " ms");
        }
        if (wakeReceiver) LockSupport.unpark(receiver); // cheap while it is awake: it only sets a permit
        return p;
    }

    /**
     * Waits for {@code p}'s reply, reading the SUB socket on this thread when no other thread is
     * reading it; else waits for the reader (another caller, or the receiver thread) to complete it.
     */
    Object awaitReading(Pending p) {
        if (!reading.tryLock()) return await(p, config.timeout());
        try {
            byte[][] frames = new byte[4][];
            long deadline = p.deadlineNanos;
            while (!p.isDone() && !closed.get() && System.nanoTime() - deadline < 0) readOne(frames);
        } catch (ZMQException e) {
            if (interrupted(e)) Thread.currentThread().interrupt(); // JeroMQ cleared it
            if (!p.isDone()) {
                pending.remove(p.id);
                throw new WKRException(ErrorCode.INTERNAL, "reading the reply to request " + p.id + " failed: " + e, e);
            }
        } finally {
            reading.unlock();
            // Requests of other callers may still be due: the receiver thread reads for them now.
            if (!pending.isEmpty()) LockSupport.unpark(receiver);
        }
        if (!p.isDone() && closed.get()) {
            pending.remove(p.id, p);
            throw new ShuttingDownException("client closed");
        }
        return await(p, p.isDone() ? config.timeout() : Duration.ZERO);
    }

    Object await(Pending p, Duration timeout) {
        try {
            return p.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            pending.remove(p.id);
            throw timeout(p.id);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new WKRException(ErrorCode.INTERNAL, c.toString(), c);
        } catch (InterruptedException e) {
            pending.remove(p.id);
            Thread.currentThread().interrupt();
            throw new WKRException(ErrorCode.INTERNAL, "interrupted while waiting for request " + p.id, e);
        }
    }

    private RequestTimeoutException timeout(long id) {
        return new RequestTimeoutException("no reply from " + endpoint + " within " + config.timeout().toMillis()
                + " ms (client " + config.identity() + ", request " + id + ")");
    }

    /** Repeats a status request, 100 ms apart and growing, until one is answered. */
    @SuppressWarnings("unchecked")
    private Map<String, Object> handshake() {
        long deadline = System.nanoTime() + config.timeout().toNanos();
        long wait = 100;
        java.util.List<Pending> attempts = new java.util.ArrayList<>();
        try {
            while (true) {
                Pending p = send(null, true, true);
                attempts.add(p);
                // Any attempt's answer will do: a late answer to an earlier one proves the subscription too.
                CompletableFuture<Object> any = CompletableFuture.anyOf(attempts.toArray(new CompletableFuture<?>[0]));
                try {
                    Object v = any.get(wait, TimeUnit.MILLISECONDS);
                    return v instanceof Map ? (Map<String, Object>) v : Map.of();
                } catch (TimeoutException e) {
                    if (System.nanoTime() - deadline > 0) {
                        throw new RequestTimeoutException("no answer from a wkr server at " + endpoint + " within "
                                + config.timeout().toMillis() + " ms");
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
            for (Pending p : attempts) pending.remove(p.id); // answers to the other attempts are dropped
        }
    }

    private void check(Map<String, Object> status) {
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

    // ---------------------------------------------------------------- receiver thread

    /** How often the receiver thread looks for requests past their deadline. */
    private static final long SWEEP_NANOS = 50_000_000L;

    /**
     * The receiver thread: reads while replies are due and no caller is reading, else parks (woken
     * by an asynchronous send, by a caller that stops reading while replies are due, or every
     * {@code SWEEP_NANOS} to fail requests past their deadline).
     */
    private void receiveLoop() {
        byte[][] frames = new byte[4][];
        long lastSweep = System.nanoTime();
        try {
            while (!closed.get()) {
                lastSweep = sweepIfDue(lastSweep);
                if (!pending.isEmpty() && reading.tryLock()) {
                    try {
                        Thread.interrupted(); // a callback run on this thread may have left its interrupt
                        // After an asynchronous reply read on even when none is due: under asynchronous
                        // load the due replies often run out for a moment, and parking then would cost
                        // a wake-up on the next send. Replies to blocking callers do not keep it here.
                        boolean async = true;
                        while (!closed.get() && (async || !pending.isEmpty())) {
                            try {
                                async = readOne(frames) == ASYNC;
                            } catch (ZMQException e) {
                                // Interrupted by a callback that ran here (futures complete on this thread).
                                if (!interrupted(e) || closed.get()) throw e;
                                async = true;
                            }
                            lastSweep = sweepIfDue(lastSweep);
                        }
                    } finally {
                        reading.unlock();
                    }
                } else {
                    LockSupport.parkNanos(this, SWEEP_NANOS);
                }
            }
        } catch (RuntimeException e) {
            if (!closed.get()) {
                receiverFailure = new WKRException(ErrorCode.INTERNAL, "client receiver failed: " + e, e);
                failAll(receiverFailure);
            }
        }
    }

    /** Fails the requests past their deadline when the last sweep is {@code SWEEP_NANOS} old; the time of the last sweep. */
    private long sweepIfDue(long lastSweep) {
        long now = System.nanoTime();
        if (now - lastSweep <= SWEEP_NANOS) return lastSweep;
        expire(now);
        return now;
    }

    /** JeroMQ's answer to a thread interrupt (it clears the thread's flag). */
    private static boolean interrupted(ZMQException e) {
        return e.getErrorCode() == ZError.EINTR;
    }

    private static final int NONE = 0;
    private static final int SYNC = 1;
    private static final int ASYNC = 2;

    /**
     * Reads one message (waiting at most the SUB's 50 ms receive timeout) and completes its future.
     *
     * @return {@link #NONE} when nothing came or the reply was not due, {@link #ASYNC} for the reply
     *     to an asynchronous request, else {@link #SYNC}
     */
    private int readOne(byte[][] frames) {
        byte[] first = sub.recv(0); // an interrupt here (EINTR) leaves the message where it is
        if (first == null) return NONE;
        int n = 1;
        frames[0] = first;
        boolean interrupted = false;
        while (sub.hasReceiveMore()) {
            byte[] f;
            try {
                f = sub.recv(0);
            } catch (ZMQException e) {
                // Interrupted halfway through a message: finish it, or the next reader would drop
                // the rest and, with it, somebody's reply. The frames are already here.
                if (!interrupted(e)) throw e;
                interrupted = true;
                continue;
            }
            if (n < 4) frames[n] = f;
            n++;
        }
        if (interrupted) Thread.currentThread().interrupt();
        if (n != 4) return NONE;
        Pending p = dispatch(frames);
        return p == null ? NONE : p.async ? ASYNC : SYNC;
    }

    /** Completes the future the reply in {@code frames} answers; that future, or null when none was due. */
    private Pending dispatch(byte[][] frames) {
        // The subscription is a prefix match: ignore replies for identities that merely start with ours.
        if (!Arrays.equals(frames[0], identity)) return null;
        long id = parseId(frames[1]);
        Pending p = id < 0 ? null : pending.remove(id);
        if (p == null) return null; // late reply to a request that timed out, or not ours
        byte[] payload = frames[2];
        byte[] info = frames[3];
        try {
            if (Wire.is(info, Wire.EXCEPTION)) {
                p.completeExceptionally(ErrorCode.parse(payload));
            } else if (p.status) {
                p.complete(parseStatus(payload));
            } else {
                p.complete(codec.decode(payload, Json.parseObject(info)));
            }
        } catch (RuntimeException e) {
            p.completeExceptionally(new WKRException(ErrorCode.INTERNAL, "cannot decode the reply to request " + id
                    + ": " + e.getMessage(), e));
        }
        return p;
    }

    /** Fails every request whose deadline has passed (its late reply, if any, is then dropped). */
    private void expire(long now) {
        for (Pending p : pending.values()) {
            if (now - p.deadlineNanos > 0 && pending.remove(p.id, p)) p.completeExceptionally(timeout(p.id));
        }
    }

    private static Object parseStatus(byte[] payload) {
        try {
            return Json.parseObject(payload);
        } catch (IllegalArgumentException e) {
            return Map.of(); // a pickled status from a Python server: never unpickled here
        }
    }

    private static long parseId(byte[] frame) {
        if (frame.length == 0 || frame.length > 18) return -1;
        long v = 0;
        for (byte b : frame) {
            if (b < '0' || b > '9') return -1;
            v = v * 10 + (b - '0');
        }
        return v;
    }

    private void failAll(WKRException e) {
        for (Long id : pending.keySet()) {
            Pending p = pending.remove(id);
            if (p != null) p.completeExceptionally(e);
        }
    }

    /** Closes the sockets; requests still waiting fail with {@link ShuttingDownException}. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) return;
        LockSupport.unpark(receiver);
        try {
            if (Thread.currentThread() != receiver) receiver.join(5000); // closed from a callback: it ends by itself
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        reading.lock(); // a caller still reading sees closed within the receive timeout
        try {
            sub.close();
        } finally {
            reading.unlock();
        }
        synchronized (this) { // ConcurrentWKRClient sends under this monitor
            push.close();
        }
        failAll(new ShuttingDownException("client closed"));
        if (ownsContext) context.close();
    }
}

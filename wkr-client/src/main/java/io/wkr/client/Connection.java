package io.wkr.client;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
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
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import org.zeromq.ZMQException;
import zmq.ZError;

/**
 * One connection to a wkr server under one identity: a PUSH socket to {@code port_in}, a SUB
 * socket on {@code port_out} subscribed to the identity, the requests waiting for replies, and a
 * receiver thread {@code wkr-client-<n>}.
 *
 * <p><b>Thread-safe</b>: every method may be called from any thread, and the futures it returns
 * may be waited on anywhere. A JeroMQ socket must not be used by two threads at once, so each
 * socket has a private lock: sends are serialised by one, and the SUB socket is read by one thread
 * at a time under the other. A caller blocked in {@link #encode} or {@link #serverStatus} reads it
 * itself while it waits, as a REQ socket's caller does, so its reply reaches it without a hand-off
 * between threads (on a small virtual machine each hand-off costs tens of microseconds). Whenever
 * replies are due and no caller is reading (after an {@link #encodeAsync}, or when a reading
 * caller returns before other callers' replies came), the receiver thread reads. Whoever reads
 * completes whichever pending future a reply answers. Pending requests are kept in a concurrent
 * map under the counter of their id; ids are unique to the connection ({@link RequestIds}), so
 * replies to other clients that share the identity are ignored.
 *
 * <p>The constructor waits until the subscription is live (it repeats a status request until one
 * is answered), so the first reply is never lost to the PUB/SUB slow-joiner race; unless {@code
 * ignoreAllChecks}, it also checks the server's protocol and version. The sockets live in a
 * context the caller owns and closes after {@link #close}.
 */
final class Connection implements AutoCloseable {
    private static final AtomicInteger CONNECTIONS = new AtomicInteger();
    /** How often the receiver thread looks for requests past their deadline. */
    private static final long SWEEP_NANOS = 50_000_000L;

    private final ClientConfig config;
    /**
     * Set once by the constructor after the handshake ({@link Handshake#codecFor}), before any
     * data request; volatile because the receiver thread, already running, decodes with it.
     */
    private volatile PayloadCodec codec;
    /** The server is an original Python one (its status has no {@code wkr_version}). */
    private volatile boolean original;
    private final byte[] identity;
    private final String endpoint;
    private final ZMQ.Socket push;
    private final ZMQ.Socket sub;
    private final Thread receiver;
    private final RequestIds ids = new RequestIds();
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    /** Held while sending on {@link #push}, and to close it. */
    private final ReentrantLock sending = new ReentrantLock();
    /** Held by whichever thread reads {@link #sub}: a blocking caller, or the receiver thread. */
    private final ReentrantLock reading = new ReentrantLock();
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Set when the receiver thread died: the connection cannot complete asynchronous requests any more. */
    private volatile WKRException receiverFailure;
    private final Map<String, Object> serverStatusAtConnect;

    /**
     * Connects, waits until replies arrive and checks the server.
     *
     * @param context where to create the sockets; owned by the caller, who closes it after this
     * @throws RequestTimeoutException when the server does not answer within the timeout
     * @throws IllegalStateException when the server's protocol or version does not match
     */
    public Connection(ClientConfig config, ZContext context) {
        this.config = config;
        this.codec = PayloadCodec.of(config.protocol(), config.objClasses());
        this.identity = config.identity().getBytes(StandardCharsets.UTF_8);
        this.endpoint = "tcp://" + config.ip() + ":" + config.port() + "/" + config.portOut();
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
        receiver = new Thread(this::receiveLoop, "wkr-client-" + CONNECTIONS.incrementAndGet());
        receiver.setDaemon(true);
        receiver.start();
        try {
            serverStatusAtConnect = Handshake.awaitStatus(() -> send(null, true, true), p -> pending.remove(p.id, p),
                    config.timeout(), endpoint);
            if (!config.ignoreAllChecks()) Handshake.check(config, serverStatusAtConnect, endpoint);
            original = Handshake.isOriginal(serverStatusAtConnect);
            codec = Handshake.codecFor(config, original, codec);
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    public ClientConfig config() {
        return config;
    }

    /** The status the server returned while this connection was made. */
    public Map<String, Object> serverStatusAtConnect() {
        return serverStatusAtConnect;
    }

    /** Sends one input and waits for its output, reading replies on this thread when no other thread is. */
    public Object encode(Object input) {
        return awaitReading(send(input, false, false));
    }

    /** Sends one input; the future completes with its output, its error, or a timeout. */
    public CompletableFuture<Object> encodeAsync(Object input) {
        // A copy: a caller that completes or cancels it cannot disturb the pending map.
        return send(input, false, true).copy();
    }

    /**
     * The server's {@code SHOW_CONFIG} reply: wkr's JSON status, or an original Python server's
     * pickled dict (empty when it was neither).
     */
    @SuppressWarnings("unchecked")
    public Map<String, Object> serverStatus() {
        return (Map<String, Object>) awaitReading(send(null, true, false));
    }

    /** Number of requests sent and not yet answered. */
    public int pendingRequests() {
        return pending.size();
    }

    // ---------------------------------------------------------------------- sending

    /**
     * Sends a request (a status request when {@code status}) and registers its future. With {@code
     * async} the receiver thread is told that a reply is due; a caller that will wait in {@link
     * #awaitReading} does not need it.
     */
    private Pending send(Object input, boolean status, boolean async) {
        if (closed.get()) throw new IllegalStateException("client is closed");
        if (receiverFailure != null) {
            throw new WKRException(ErrorCode.INTERNAL, "this client can no longer receive replies: "
                    + receiverFailure.getMessage(), receiverFailure);
        }
        PayloadCodec.Encoded enc = status
                ? new PayloadCodec.Encoded(Wire.SHOW_CONFIG, Json.writeBytes(Map.of(Wire.INFO_FORMAT, "json")))
                // an original server knows no deadline: it gets exactly its own client's info
                : codec.encode(input, original ? 0 : config.timeout().toMillis());
        long id = ids.next();
        Pending p = new Pending(id, status, System.nanoTime() + config.timeout().toNanos(), async);
        pending.put(id, p);
        boolean sent;
        try {
            sent = push(ids.encode(id), enc, p.deadlineNanos);
        } catch (RuntimeException e) {
            pending.remove(id);
            throw e;
        }
        if (!sent) {
            pending.remove(id);
            throw new RequestTimeoutException("could not send request " + ids.text(id) + " to " + endpoint
                    + " within " + config.timeout().toMillis() + " ms");
        }
        if (async) LockSupport.unpark(receiver); // cheap while it is awake: it only sets a permit
        return p;
    }

    /** Sends the four frames under the send lock; false when neither the lock nor the socket took them in time. */
    private boolean push(byte[] rid, PayloadCodec.Encoded enc, long deadlineNanos) {
        try {
            if (!sending.tryLock(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS)) return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new WKRException(ErrorCode.INTERNAL, "interrupted while waiting to send to " + endpoint, e);
        }
        try {
            // close() fails what is pending after it closed the socket under this lock
            if (closed.get()) throw new ShuttingDownException("client closed");
            return push.send(identity, ZMQ.SNDMORE) && push.send(rid, ZMQ.SNDMORE)
                    && push.send(enc.payload(), ZMQ.SNDMORE) && push.send(enc.info(), 0);
        } finally {
            sending.unlock();
        }
    }

    // ---------------------------------------------------------------------- waiting

    /**
     * Waits for {@code p}'s reply, reading the SUB socket on this thread when no other thread is
     * reading it; else waits for the reader (another caller, or the receiver thread) to complete it.
     */
    private Object awaitReading(Pending p) {
        if (!reading.tryLock()) return await(p, config.timeout());
        try {
            byte[][] frames = new byte[4][];
            while (!p.isDone() && !closed.get() && System.nanoTime() - p.deadlineNanos < 0) readOne(frames);
        } catch (ZMQException e) {
            if (interrupted(e)) Thread.currentThread().interrupt(); // JeroMQ cleared it
            if (!p.isDone()) {
                pending.remove(p.id);
                throw new WKRException(ErrorCode.INTERNAL, "reading the reply to request " + ids.text(p.id)
                        + " failed: " + e, e);
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

    private Object await(Pending p, Duration timeout) {
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
            throw new WKRException(ErrorCode.INTERNAL, "interrupted while waiting for request " + ids.text(p.id), e);
        }
    }

    private RequestTimeoutException timeout(long id) {
        return new RequestTimeoutException("no reply from " + endpoint + " within " + config.timeout().toMillis()
                + " ms (client " + config.identity() + ", request " + ids.text(id) + ")");
    }

    // ---------------------------------------------------------------------- reading

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
                        lastSweep = readWhileDue(frames, lastSweep);
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

    /** The receiver thread's turn at reading, under {@link #reading}; the time of the last sweep. */
    private long readWhileDue(byte[][] frames, long lastSweep) {
        Thread.interrupted(); // a callback run on this thread may have left its interrupt
        // After an asynchronous reply read on even when none is due: under asynchronous load the
        // due replies often run out for a moment, and parking then would cost a wake-up on the next
        // send. Replies to blocking callers do not keep it here.
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
        return lastSweep;
    }

    /** Fails the requests past their deadline when the last sweep is {@code SWEEP_NANOS} old; the time of the last sweep. */
    private long sweepIfDue(long lastSweep) {
        long now = System.nanoTime();
        if (now - lastSweep <= SWEEP_NANOS) return lastSweep;
        for (Pending p : pending.values()) {
            if (now - p.deadlineNanos > 0 && pending.remove(p.id, p)) p.completeExceptionally(timeout(p.id));
        }
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
        long id = ids.decode(frames[1]); // -1 for ids this connection did not issue
        Pending p = id < 0 ? null : pending.remove(id);
        if (p == null) return null; // a late reply to a request that timed out, or not ours
        p.completeWith(frames[2], frames[3], codec, ids);
        return p;
    }

    private void failAll(WKRException e) {
        for (Long id : pending.keySet()) {
            Pending p = pending.remove(id);
            if (p != null) p.completeExceptionally(e);
        }
    }

    /** Closes the sockets (not the context); requests still waiting fail with {@link ShuttingDownException}. */
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
        sending.lock(); // a send under way finishes first; later ones see closed
        try {
            push.close();
        } finally {
            sending.unlock();
        }
        failAll(new ShuttingDownException("client closed"));
    }
}

package io.wkr.server.internal.ventilator;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.Envelope;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Wire;
import io.wkr.protocol.internal.Json;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.batching.Completion;
import io.wkr.server.internal.batching.Deadlines;
import io.wkr.protocol.AdminToken;
import io.wkr.server.internal.StatusEncoding;
import io.wkr.server.internal.sink.Sink;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.status.ServerSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.ZMQ;

/**
 * Reads the frontend ({@code port_in}) and decides, per message: malformed (answered {@code
 * BAD_REQUEST} when a sender can be named, else logged and dropped), {@code SHOW_CONFIG} (status
 * reply), {@code TERMINATION} (drain, only with the admin token), or a data request (admitted to
 * the job queue, or answered {@code OVERLOADED} / {@code SHUTTING_DOWN} at once). It never
 * decodes payloads and never blocks on anything but its socket.
 *
 * <p>Confined to the {@code wkr-ventilator} thread, which owns the frontend socket.
 */
public final class Ventilator implements Runnable {
    private static final Logger logger = LoggerFactory.getLogger(Ventilator.class);
    private static final int MAX_FRAMES = 8;
    /** The info frame is a small JSON object (dtype, shape, a timeout); larger ones are refused unread. */
    public static final int MAX_INFO_BYTES = 64 * 1024;
    private static final int MAX_TRACKED_CLIENTS = 10_000;
    private static final long ACTIVE_CLIENT_NANOS = 180_000_000_000L;

    private static final int STOP_CHECK_MILLIS = 100;

    private final ZMQ.Socket frontend;
    private final ServerConfig config;
    private final Admission admission;
    private final Completion completion;
    private final Sink sink;
    private final ServerStats stats;
    private final Control control;
    private final LinkedHashMap<String, Long> clients = new LinkedHashMap<>(256, 0.75f, true);
    private volatile boolean stopped;
    private long lastExpirySweep = System.nanoTime();
    private long lastClientSweep = System.nanoTime();
    private long lastMalformedLog;

    /**
     * What the ventilator needs besides its sockets and the queue.
     *
     * @param token the admin token {@code TERMINATION} must carry
     * @param status takes the snapshot a {@code SHOW_CONFIG} reply is made from
     * @param onTermination starts a drain (called on the ventilator thread; must not block)
     * @param onFailure told that the ventilator thread is dying of this; must start a drain and
     *     not block
     */
    public record Control(AdminToken token, Supplier<ServerSnapshot> status, Runnable onTermination,
            Consumer<Throwable> onFailure) {}

    /**
     * @param admission the way into the job queue
     * @param completion how the answers to admitted requests travel back (the sink)
     * @param sink where the ventilator's own replies go (status, rejections of malformed input)
     */
    public Ventilator(ZMQ.Socket frontend, ServerConfig config, Admission admission, Completion completion, Sink sink,
            ServerStats stats, Control control) {
        this.frontend = frontend;
        this.config = config;
        this.admission = admission;
        this.completion = completion;
        this.sink = sink;
        this.stats = stats;
        this.control = control;
    }

    /** Asks the loop to end; it does within {@link #STOP_CHECK_MILLIS} and closes the frontend. */
    public void stop() {
        stopped = true;
    }

    @Override
    public void run() {
        // A blocking receive with a timeout, not a Poller: JeroMQ's Poller builds and tears down a
        // java.nio Selector registration on every call, which cost more than handling the message.
        frontend.setReceiveTimeOut(STOP_CHECK_MILLIS);
        try {
            while (!stopped) {
                List<byte[]> frames = readMessage(0);
                if (frames != null) {
                    handleSafely(frames);
                    drainFrontend();
                }
                sweepClients();
                expireQueued();
            }
        } catch (Throwable t) {
            // Without this thread nothing reaches the server any more: stop rather than stay up deaf.
            logger.error("the ventilator failed; the server can no longer take requests and stops", t);
            if (!stopped) control.onFailure().accept(t);
            throw t;
        } finally {
            frontend.close();
            logger.debug("ventilator stopped");
        }
    }

    private void drainFrontend() {
        for (int n = 0; n < 4096; n++) {
            List<byte[]> frames = readMessage(ZMQ.DONTWAIT);
            if (frames == null) return;
            handleSafely(frames);
        }
    }

    /** The next message, or null when none came (at once with DONTWAIT, else within the timeout). */
    private List<byte[]> readMessage(int flags) {
        byte[] first = frontend.recv(flags);
        if (first == null) return null;
        List<byte[]> frames = new ArrayList<>(4);
        frames.add(first);
        while (frontend.hasReceiveMore()) {
            byte[] f = frontend.recv(0);
            if (frames.size() < MAX_FRAMES) frames.add(f);
            else frames.set(MAX_FRAMES - 1, f); // keep counting cheap; the message is rejected anyway
        }
        return frames;
    }

    /**
     * Handles one message; a bug that throws while handling it fails that message alone (answered
     * {@code INTERNAL} when its sender can be named), never the thread that reads every client.
     */
    private void handleSafely(List<byte[]> frames) {
        try {
            handle(frames);
        } catch (RuntimeException e) {
            stats.error(ErrorCode.INTERNAL);
            logger.error("failed to handle a message of {} frames", frames.size(), e);
            if (canName(frames)) {
                sink.offer(Envelope.error(frames.get(0), frames.get(1), ErrorCode.INTERNAL,
                        "the server failed handling this request: " + e), -1, null);
            }
        }
    }

    private void handle(List<byte[]> frames) {
        if (frames.size() != 4) {
            malformed(frames, "expected 4 frames [identity, request id, payload, info], got "
                    + (frames.size() >= MAX_FRAMES ? MAX_FRAMES + " or more" : frames.size()));
            return;
        }
        byte[] identity = frames.get(0);
        byte[] requestId = frames.get(1);
        byte[] payload = frames.get(2);
        byte[] info = frames.get(3);
        if (Wire.is(payload, Wire.SHOW_CONFIG)) {
            showConfig(identity, requestId, info);
        } else if (Wire.is(payload, Wire.TERMINATION)) {
            terminate(identity, requestId, info);
        } else {
            admit(identity, requestId, payload, info);
        }
    }

    private void admit(byte[] identity, byte[] requestId, byte[] payload, byte[] info) {
        long now = System.nanoTime();
        stats.received();
        if (identity.length == 0) {
            malformed(List.of(identity, requestId, payload, info), "empty identity: no one to reply to");
            return;
        }
        trackClient(identity, now);
        if (payload.length > config.maxRequestBytes()) {
            reject(identity, requestId, ErrorCode.BAD_REQUEST, "payload of " + payload.length
                    + " bytes exceeds the server's limit of " + config.maxRequestBytes() + " bytes", now);
            return;
        }
        if (info.length > MAX_INFO_BYTES) {
            reject(identity, requestId, ErrorCode.BAD_REQUEST, "info frame of " + info.length
                    + " bytes exceeds the limit of " + MAX_INFO_BYTES + " bytes", now);
            return;
        }
        Map<String, Object> parsed;
        long deadline;
        try {
            parsed = Json.parseObject(info, Json.Limits.INFO);
            deadline = deadline(parsed, now);
        } catch (IllegalArgumentException e) {
            reject(identity, requestId, ErrorCode.BAD_REQUEST, "info frame is not a JSON object ("
                    + e.getMessage() + "): " + Wire.preview(info), now);
            return;
        } catch (BadRequestException e) {
            reject(identity, requestId, ErrorCode.BAD_REQUEST, e.getMessage(), now);
            return;
        }
        admission.admit(new Job(identity, requestId, payload, parsed, null, payload.length, completion, now, deadline));
    }

    private long deadline(Map<String, Object> info, long now) {
        Object ms = info.get(Wire.INFO_TIMEOUT_MS);
        if (ms != null && !(ms instanceof Number)) {
            throw new BadRequestException(Wire.INFO_TIMEOUT_MS + " must be a number of milliseconds, got "
                    + Wire.preview(String.valueOf(ms)));
        }
        return Deadlines.of(ms == null ? 0 : ((Number) ms).doubleValue(), config.requestTimeout(), now);
    }

    private void reject(byte[] identity, byte[] requestId, ErrorCode code, String message, long arrival) {
        sink.offer(Envelope.error(identity, requestId, code, message), arrival, code);
    }

    private void showConfig(byte[] identity, byte[] requestId, byte[] info) {
        stats.controlRequest();
        if (identity.length == 0) return;
        boolean json = wantsJson(info);
        ServerSnapshot s = control.status().get();
        String client = new String(identity, StandardCharsets.UTF_8);
        byte[] body = json ? StatusEncoding.json(s, client) : StatusEncoding.pickle(s, client);
        sink.offer(new Envelope(identity, requestId, body, json ? StatusEncoding.JSON_INFO : Wire.PICKLE_INFO), -1, null);
    }

    private static boolean wantsJson(byte[] info) {
        if (info.length == 0 || info[0] != '{') return false; // the Python client sends "{}" as a JSON string
        if (info.length > MAX_INFO_BYTES) return false;
        try {
            return "json".equals(Json.parseObject(info, Json.Limits.INFO).get(Wire.INFO_FORMAT));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void terminate(byte[] identity, byte[] requestId, byte[] info) {
        stats.controlRequest();
        String who = identity.length == 0 ? "an anonymous peer" : "client " + Wire.preview(identity);
        if (info.length > MAX_INFO_BYTES || !control.token().matches(info)) {
            logger.warn("refused TERMINATION from {}: no valid admin token", who);
            stats.error(ErrorCode.UNAUTHORIZED);
            if (identity.length > 0) {
                sink.offer(Envelope.error(identity, requestId, ErrorCode.UNAUTHORIZED,
                        "TERMINATION needs the server's admin token"), -1, null);
            }
            return;
        }
        logger.info("TERMINATION from {}: draining", who);
        control.onTermination().run();
    }

    private void malformed(List<byte[]> frames, String why) {
        stats.malformed();
        long now = System.nanoTime();
        if (now - lastMalformedLog > 1_000_000_000L) {
            lastMalformedLog = now;
            logger.warn("malformed request ({}); {} so far", why, stats.requests().malformed());
        }
        if (canName(frames)) {
            stats.error(ErrorCode.BAD_REQUEST);
            sink.offer(Envelope.error(frames.get(0), frames.get(1), ErrorCode.BAD_REQUEST, why), -1, null);
        }
    }

    /** A sender can be named when frame 0 is a plausible identity and frame 1 a request id. */
    private static boolean canName(List<byte[]> frames) {
        return frames.size() >= 2 && frames.get(0).length > 0 && frames.get(0).length <= 255;
    }

    private void trackClient(byte[] identity, long now) {
        String key = new String(identity, StandardCharsets.ISO_8859_1);
        if (clients.put(key, now) == null) {
            if (clients.size() > MAX_TRACKED_CLIENTS) {
                Iterator<String> it = clients.keySet().iterator();
                it.next();
                it.remove();
            }
            stats.activeClients(clients.size());
        }
    }

    /** Every 100 ms: queued requests past their deadline are answered TIMEOUT without waiting for a worker. */
    private void expireQueued() {
        long now = System.nanoTime();
        if (now - lastExpirySweep < STOP_CHECK_MILLIS * 1_000_000L) return;
        lastExpirySweep = now;
        for (Job job : admission.queue().removeExpired(now)) {
            job.fail(ErrorCode.TIMEOUT, "deadline passed after " + (now - job.arrivalNanos()) / 1_000_000
                    + " ms in the queue; the request was not run");
        }
    }

    private void sweepClients() {
        long now = System.nanoTime();
        if (now - lastClientSweep < 1_000_000_000L) return;
        lastClientSweep = now;
        clients.values().removeIf(seen -> now - seen > ACTIVE_CLIENT_NANOS);
        stats.activeClients(clients.size());
    }
}

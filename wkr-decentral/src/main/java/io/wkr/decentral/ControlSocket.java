package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.wkr.decentral.internal.JsonDocuments;
import io.wkr.protocol.AdminToken;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The central's control socket: a ROUTER on {@code tcp://host:port}. A request is two frames,
 * {@code [COMMAND, JSON arguments]} (from a REQ socket, or a DEALER with or without the empty
 * delimiter); the reply, one JSON frame, goes back to the socket that asked. Every command but
 * {@code SHOW_CONFIG}/{@code STATUS} must carry the control token ({@code {"token": "..."}}).
 * Arguments are a {@link ControlRequest}; a reply is {@link Done} (the command's own reply record
 * after {@code ok} and {@code command}) or {@link Refused}. Malformed requests get an error reply
 * and never stop the central. Confined to its thread {@code wkr-decentral-control}, which owns
 * the socket.
 */
final class ControlSocket implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(ControlSocket.class);

    /** Runs a command; returns its reply record, whose keys follow {@code ok} and {@code command}. */
    interface Handler {
        Object handle(String command, ControlRequest args);
    }

    /** A command done: {@code {"ok": true, "command": ..., <the keys of body>}}. */
    record Done(boolean ok, String command, @JsonUnwrapped Object body) {
        Done(String command, Object body) {
            this(true, command, body);
        }
    }

    /** A request refused, nothing changed: {@code {"ok": false, "error": ...}}. */
    record Refused(boolean ok, String error) {
        Refused(String error) {
            this(false, error);
        }
    }

    /** A command's arguments were wrong: the reply says so, nothing changed. */
    static final class BadCommand extends RuntimeException {
        BadCommand(String message) {
            super(message);
        }
    }

    private final ZContext context = new ZContext(1);
    private final ZMQ.Socket router;
    private final Handler handler;
    private AdminToken token;
    private final Thread thread;
    private final int port;
    private volatile boolean stop;

    /** Binds {@code host:port} (0 = ephemeral). */
    ControlSocket(String host, int port, Handler handler) {
        this.handler = handler;
        context.setLinger(0);
        router = context.createSocket(SocketType.ROUTER);
        router.setLinger(0);
        router.setReceiveTimeOut(200);
        router.setSendTimeOut(1000);
        try {
            String h = "*".equals(host) ? "*" : host;
            if (port == 0) {
                this.port = router.bindToRandomPort("tcp://" + h);
            } else {
                router.bind("tcp://" + h + ":" + port);
                this.port = port;
            }
        } catch (RuntimeException e) {
            context.close();
            throw new IllegalStateException("cannot bind the control socket on " + host + ":" + port + ": " + e, e);
        }
        thread = new Thread(this::loop, "wkr-decentral-control");
        thread.setDaemon(true);
    }

    /** Names the token file once bound (the default file name has the port in it). */
    int port() {
        return port;
    }

    /** Starts answering; commands that change something need {@code token}. */
    void start(AdminToken token) {
        this.token = token;
        thread.start();
    }

    private void loop() {
        try {
            while (!stop) {
                List<byte[]> frames = receive();
                if (frames != null) handle(frames);
            }
        } catch (RuntimeException e) {
            if (!stop) logger.error("control socket failed; control commands are off: {}", e.toString(), e);
        } finally {
            router.close();
        }
    }

    private List<byte[]> receive() {
        byte[] first = router.recv(0);
        if (first == null) return null;
        List<byte[]> frames = new ArrayList<>(4);
        frames.add(first);
        while (router.hasReceiveMore() && frames.size() < 16) frames.add(router.recv(0));
        while (router.hasReceiveMore()) router.recv(0); // too many frames: drop the rest
        return frames;
    }

    private void handle(List<byte[]> frames) {
        // [identity, (empty delimiter), COMMAND, ARGS]
        int body = frames.size() > 1 && frames.get(1).length == 0 ? 2 : 1;
        List<byte[]> envelope = frames.subList(0, body);
        List<byte[]> request = frames.subList(body, frames.size());
        Object reply;
        if (request.size() != 2) {
            reply = new Refused("a control request is 2 frames [COMMAND, JSON arguments], got " + request.size());
        } else {
            reply = run(new String(request.get(0), StandardCharsets.UTF_8).strip(), request.get(1));
        }
        byte[] bytes;
        try {
            bytes = JsonDocuments.write(reply);
        } catch (RuntimeException e) { // a bug, not the caller's fault: say so, and keep answering
            logger.error("cannot write the control reply {}", reply, e);
            bytes = JsonDocuments.write(new Refused("INTERNAL: cannot write the reply: " + e));
        }
        send(envelope, bytes);
    }

    private Object run(String command, byte[] argBytes) {
        ControlRequest args;
        try {
            args = ControlRequest.parse(argBytes);
        } catch (IllegalArgumentException e) {
            return new Refused("arguments of " + command + " are not a JSON object of known keys: " + e.getMessage());
        }
        boolean readOnly = command.equals("SHOW_CONFIG") || command.equals("STATUS");
        if (!readOnly && (args.token() == null || !token.matches(args.token().getBytes(StandardCharsets.UTF_8)))) {
            logger.warn("refused control command {}: missing or wrong token", command);
            return new Refused("UNAUTHORIZED: " + command + " needs the control token (from " + token.file() + ")");
        }
        try {
            return new Done(command, handler.handle(command, args));
        } catch (BadCommand | IllegalArgumentException | IllegalStateException e) {
            return new Refused(e.getMessage());
        } catch (RuntimeException e) {
            logger.error("control command {} failed", command, e);
            return new Refused("INTERNAL: " + command + " failed: " + e);
        }
    }

    private void send(List<byte[]> envelope, byte[] reply) {
        for (byte[] f : envelope) router.send(f, ZMQ.SNDMORE);
        router.send(reply, 0);
    }

    @Override
    public void close() {
        stop = true;
        if (thread.isAlive() && Thread.currentThread() != thread) {
            try {
                thread.join(5000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        } else if (!thread.isAlive() && thread.getState() == Thread.State.NEW) {
            router.close();
        }
        context.close();
    }
}

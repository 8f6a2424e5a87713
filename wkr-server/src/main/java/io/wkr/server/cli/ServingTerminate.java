package io.wkr.server.cli;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Wire;
import io.wkr.protocol.AdminToken;
import io.wkr.server.internal.ServerJson;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code wkr-serving-terminate -port P}: asks the server on {@code port_in} P to drain and stop,
 * with the admin token the server wrote at start ({@code ~/.wkr/run/server-P.token}, or {@code
 * -token_file}). Without {@code -port_out} it only makes sure the request reached a server; with
 * it, it also waits for the server's answer and fails when the token is refused. Exit codes: 0
 * sent (and accepted), 1 no token file, no server, or refused, 2 usage error.
 */
@Command(name = "wkr-serving-terminate", sortOptions = false, versionProvider = Cli.Version.class,
        usageHelpWidth = 110,
        description = "Tell a wkr server to drain and stop (TERMINATION with its admin token).")
public final class ServingTerminate implements Callable<Integer> {
    private static final byte[] IDENTITY = "wkr-serving-terminate".getBytes(StandardCharsets.US_ASCII);

    @Option(names = {"-port", "-port_in", "-port_data", "--port-in"}, required = true, paramLabel = "PORT",
            description = "The server's port_in.")
    int port;

    @Option(names = {"-ip", "--ip"}, paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "The server's host. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = {"-port_out", "-port_result", "--port-out"}, paramLabel = "PORT",
            description = "The server's port_out: when given, wait for the server to accept or refuse.")
    Integer portOut;

    @Option(names = {"-token_file", "--token-file"}, paramLabel = "FILE",
            description = "The admin token file the server wrote. Default: server-<port>.token in ~/.wkr/run.")
    Path tokenFile;

    @Option(names = {"-timeout", "--timeout"}, paramLabel = "MS", defaultValue = "5000",
            description = "How long to try to reach the server (ms). Default: ${DEFAULT-VALUE}.")
    int timeoutMillis;

    @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command with {@code args} and returns its exit code (never exits). */
    public static int run(String... args) {
        return Cli.run(new ServingTerminate(), args);
    }

    /** As {@link #run(String...)}, with the command's own output going to {@code out} and {@code err}. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        return Cli.execute(new ServingTerminate(), out, err, args);
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        Path file = tokenFile != null ? tokenFile : AdminToken.defaultFile(port);
        String token;
        try {
            token = AdminToken.read(file);
        } catch (NoSuchFileException e) {
            err.println("wkr-serving-terminate: no admin token file " + file + ": is a wkr server with port_in "
                    + port + " running as this user on this machine? (if it was started with -token_file, "
                    + "give the same -token_file here)");
            return Cli.FAILED;
        } catch (IOException e) {
            err.println("wkr-serving-terminate: cannot read the admin token file " + file + ": " + e);
            return Cli.FAILED;
        }
        String endpoint = "tcp://" + host + ":" + port;
        try (ZContext ctx = new ZContext(1)) {
            Outcome outcome = portOut == null ? send(ctx, endpoint, token) : sendAndConfirm(ctx, endpoint, token);
            (outcome == Outcome.REFUSED || outcome == Outcome.UNREACHABLE ? err : out).println(
                    "wkr-serving-terminate: " + outcome.message.replace("@", endpoint));
            return outcome == Outcome.UNREACHABLE || outcome == Outcome.REFUSED ? Cli.FAILED : Cli.OK;
        }
    }

    private enum Outcome {
        SENT("shutdown signal sent to @"),
        ACCEPTED("the server at @ accepted the shutdown and is draining"),
        REFUSED("the server at @ refused the shutdown: wrong admin token"),
        UNREACHABLE("no wkr server answered at @");

        final String message;

        Outcome(String message) {
            this.message = message;
        }
    }

    private ZMQ.Socket push(ZContext ctx, String endpoint) {
        ZMQ.Socket push = ctx.createSocket(SocketType.PUSH);
        push.setLinger(timeoutMillis);
        push.setHandshakeIvl(Math.min(timeoutMillis, 3000));
        // JeroMQ 0.5.4's flag is the inverse of libzmq's ZMQ_IMMEDIATE: false = queue only on completed
        // connections, so send blocks until a server is there and fails after the timeout if none is
        push.setImmediate(false);
        push.setSendTimeOut(timeoutMillis);
        push.connect(endpoint);
        return push;
    }

    private Outcome send(ZContext ctx, String endpoint, String token) {
        ZMQ.Socket push = push(ctx, endpoint);
        return sendMessage(push, "0", Wire.TERMINATION, info(token)) ? Outcome.SENT : Outcome.UNREACHABLE;
    }

    /**
     * Subscribes to {@code port_out}, repeats a status request until its reply shows the
     * subscription works, sends {@code TERMINATION} and then one more status request over the same
     * connection: the server answers in order, so an {@code UNAUTHORIZED} reply before that
     * status reply means refused, the status reply alone means accepted.
     */
    private Outcome sendAndConfirm(ZContext ctx, String endpoint, String token) {
        ZMQ.Socket push = push(ctx, endpoint);
        ZMQ.Socket sub = ctx.createSocket(SocketType.SUB);
        sub.setLinger(0);
        sub.subscribe(IDENTITY);
        sub.connect("tcp://" + host + ":" + portOut);
        sub.setReceiveTimeOut(100);
        long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
        byte[] statusInfo = ServerJson.bytes(Map.of(Wire.INFO_FORMAT, "json"));
        boolean subscribed = false;
        for (int n = 0; !subscribed && System.nanoTime() < deadline; n++) {
            String id = "sync-" + n;
            if (!sendMessage(push, id, Wire.SHOW_CONFIG, statusInfo)) return Outcome.UNREACHABLE;
            subscribed = awaitReply(sub, System.nanoTime() + 200_000_000L) != null; // any sync reply will do
        }
        if (!subscribed) return Outcome.UNREACHABLE;
        if (!sendMessage(push, "terminate", Wire.TERMINATION, info(token))
                || !sendMessage(push, "after", Wire.SHOW_CONFIG, statusInfo)) {
            return Outcome.UNREACHABLE;
        }
        while (System.nanoTime() < deadline) {
            byte[][] reply = awaitReply(sub, deadline);
            if (reply == null) break;
            String id = new String(reply[1], StandardCharsets.US_ASCII);
            boolean unauthorized = Wire.is(reply[3], Wire.EXCEPTION)
                    && ErrorCode.parse(reply[2]).code() == ErrorCode.UNAUTHORIZED;
            if (id.equals("terminate") && unauthorized) return Outcome.REFUSED;
            if (id.equals("after")) return Outcome.ACCEPTED;
        }
        // the server may have closed port_out before answering; the request did reach it
        return Outcome.SENT;
    }

    /** The next 4-frame reply for {@link #IDENTITY}, or null at the deadline. */
    private static byte[][] awaitReply(ZMQ.Socket sub, long deadline) {
        while (System.nanoTime() < deadline) {
            byte[] first = sub.recv();
            if (first == null) continue;
            byte[][] frames = new byte[4][];
            frames[0] = first;
            int n = 1;
            while (sub.hasReceiveMore()) {
                byte[] f = sub.recv();
                if (n < 4) frames[n] = f;
                n++;
            }
            if (n == 4 && Arrays.equals(frames[0], IDENTITY)) return frames;
        }
        return null;
    }

    private static boolean sendMessage(ZMQ.Socket push, String requestId, byte[] payload, byte[] info) {
        return push.send(IDENTITY, ZMQ.SNDMORE)
                && push.send(requestId.getBytes(StandardCharsets.US_ASCII), ZMQ.SNDMORE)
                && push.send(payload, ZMQ.SNDMORE)
                && push.send(info, 0);
    }

    private static byte[] info(String token) {
        return ServerJson.bytes(Map.of(Wire.INFO_TOKEN, token));
    }
}

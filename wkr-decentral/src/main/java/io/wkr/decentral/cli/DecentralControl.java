package io.wkr.decentral.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wkr.decentral.ControlRequest;
import io.wkr.decentral.RemoteServer;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.internal.JsonDocuments;
import io.wkr.server.cli.Cli;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * The control tools of a running {@code wkr-decentral-start}: {@code status}, {@code idle},
 * {@code restart}, {@code switch} and {@code terminate} (launched as {@code
 * wkr-decentral-status}, {@code -idle}, {@code -restart}, {@code -switch}, {@code -terminate}).
 * Each sends one request ({@code [COMMAND, ControlRequest JSON]}) to the central's control port and
 * prints its reply, whatever keys it has; it waits at most {@code -timeout}. Exit codes: 0 done, 1
 * no answer, refused or not understood, 2 usage errors.
 */
@Command(name = "wkr-decentral-ctl", versionProvider = Cli.PlainVersion.class, usageHelpWidth = 110,
        subcommands = {DecentralControl.Status.class, DecentralControl.Idle.class, DecentralControl.Restart.class,
                DecentralControl.Switch.class, DecentralControl.Terminate.class},
        description = "Talk to a running wkr-decentral-start on its control port.")
public final class DecentralControl implements Callable<Integer> {
    @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    public static int run(String... args) {
        return DecentralCli.run(new DecentralControl(), args);
    }

    static int run(PrintWriter out, PrintWriter err, String... args) {
        return DecentralCli.execute(new DecentralControl(), out, err, args);
    }

    @Override
    public Integer call() {
        throw new ParameterException(spec.commandLine(), "name a command: status, idle, restart, switch or terminate");
    }

    /** Where the central is, and how long to wait for it. */
    static final class Target {
        @Option(names = {"-ip", "--ip"}, paramLabel = "HOST", defaultValue = "127.0.0.1",
                description = "Host of the central. Default: ${DEFAULT-VALUE}.")
        String host;

        @Option(names = {"-port", "-port_in", "-port_data", "--port"}, required = true, paramLabel = "PORT",
                description = "The central's control port (-port of wkr-decentral-start).")
        int port;

        @Option(names = {"-timeout", "--timeout"}, paramLabel = "MS", defaultValue = "60000",
                description = "How long to wait for the reply. Default: ${DEFAULT-VALUE}.")
        int timeoutMillis;

        @Option(names = {"-token_file", "--token-file"}, paramLabel = "FILE",
                description = "The central's control token file. Default: decentral-<port>.token in ~/.wkr/run.")
        Path tokenFile;
    }

    /**
     * The original's reply port, which its {@code wkr-decentral-status} and {@code -switch}
     * required: accepted and ignored (the reply comes back on {@code -port}), with one note.
     */
    static final class ReplyPort {
        @Option(names = {"-port_out", "-port_pull"}, paramLabel = "PORT", hidden = true,
                description = "The original's reply port; ignored (the reply comes back on -port).")
        Integer portOut;

        /** The note for {@code -port_out}, when given. */
        List<String> ignored() {
            return portOut == null ? List.of()
                    : List.of("-port_out/-port_pull is ignored: the reply comes back on -port (one REQ/REP round "
                            + "trip), there is no second port");
        }
    }

    /** Base of the commands: sends {@code [COMMAND, JSON arguments]} and prints the reply. */
    abstract static class Request implements Callable<Integer> {
        @Mixin Target target = new Target();

        @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

        @Spec CommandSpec spec;

        abstract String command();

        /** The arguments besides the token; throws {@link ParameterException} for usage errors. */
        ControlRequest args() {
            return new ControlRequest(null, null, null);
        }

        boolean needsToken() {
            return true;
        }

        /** Notes on options given that mean nothing now, one line each. */
        List<String> ignored() {
            return List.of();
        }

        @Override
        public Integer call() {
            ControlRequest args = args();
            PrintWriter err = spec.commandLine().getErr();
            for (String note : ignored()) err.println(spec.commandLine().getCommandName() + ": " + note);
            err.flush();
            if (needsToken()) {
                Path file = target.tokenFile != null ? target.tokenFile : WKRDecentralizeCentral.defaultTokenFile(target.port);
                try {
                    String token = Files.readString(file, StandardCharsets.US_ASCII).strip();
                    args = new ControlRequest(args.remoteServers(), args.numberClients(), token);
                } catch (IOException e) {
                    err.println(spec.commandLine().getCommandName() + ": cannot read the control token from " + file
                            + " (" + e + "); give the central's -token_file with -token_file");
                    return Cli.FAILED;
                }
            }
            String endpoint = "tcp://" + target.host + ":" + target.port;
            try (ZContext ctx = new ZContext(1)) {
                ZMQ.Socket req = ctx.createSocket(SocketType.REQ);
                req.setLinger(0);
                req.setReceiveTimeOut(target.timeoutMillis);
                req.setSendTimeOut(target.timeoutMillis);
                req.connect(endpoint);
                req.send(command(), ZMQ.SNDMORE);
                req.send(JsonDocuments.write(args), 0);
                byte[] reply = req.recv(0);
                if (reply == null) {
                    err.println(spec.commandLine().getCommandName() + ": no reply from a central at " + endpoint
                            + " within " + target.timeoutMillis + " ms");
                    return Cli.FAILED;
                }
                ObjectNode o = replyObject(reply, endpoint);
                return o == null ? Cli.FAILED : print(o);
            }
        }

        /** The reply as a JSON object, or {@code null} (said on stderr) when it is none. */
        private ObjectNode replyObject(byte[] reply, String endpoint) {
            String what;
            try {
                if (JsonDocuments.readTree(reply, JsonDocuments.LARGE) instanceof ObjectNode o) return o;
                what = "not a JSON object";
            } catch (IllegalArgumentException e) {
                what = "not JSON: " + e.getMessage();
            }
            spec.commandLine().getErr().println(spec.commandLine().getCommandName() + ": the reply from " + endpoint
                    + " is " + what);
            return null;
        }

        static boolean ok(ObjectNode reply) {
            return reply.path("ok").isBoolean() && reply.path("ok").booleanValue();
        }

        /** Prints a reply, {@code {"ok": true, ...}} or {@code {"ok": false, "error": ...}}, whatever else it holds. */
        int print(ObjectNode reply) {
            if (!ok(reply)) {
                spec.commandLine().getErr().println(spec.commandLine().getCommandName() + ": " + command()
                        + " refused: " + reply.path("error").asText("(no error given)"));
                return Cli.FAILED;
            }
            reply.remove("ok");
            PrintWriter out = spec.commandLine().getOut();
            out.println(command() + " done: " + JsonDocuments.writeString(reply));
            out.flush();
            return Cli.OK;
        }
    }

    @Command(name = "wkr-decentral-status", aliases = "status", description = "Print the central's status (SHOW_CONFIG) as JSON.")
    static final class Status extends Request {
        @Mixin ReplyPort replyPort = new ReplyPort();

        @Override
        List<String> ignored() {
            return replyPort.ignored();
        }

        @Override
        String command() {
            return "SHOW_CONFIG";
        }

        @Override
        boolean needsToken() {
            return false;
        }

        @Override
        int print(ObjectNode reply) {
            if (!ok(reply)) return super.print(reply);
            reply.remove("ok");
            reply.remove("command");
            spec.commandLine().getOut().println(JsonDocuments.writeString(reply));
            spec.commandLine().getOut().flush();
            return Cli.OK;
        }
    }

    @Command(name = "wkr-decentral-idle", aliases = "idle", description = "Stop every unit; the central stays up (restart brings them back).")
    static final class Idle extends Request {
        @Override
        String command() {
            return "IDLE";
        }
    }

    @Command(name = "wkr-decentral-restart", aliases = "restart", description = "Restart every unit with the current settings.")
    static final class Restart extends Request {
        @Override
        String command() {
            return "RESTART_CLIENT";
        }
    }

    @Command(name = "wkr-decentral-terminate", aliases = "terminate", description = "Stop the central (units finish their in-flight jobs first).")
    static final class Terminate extends Request {
        @Override
        String command() {
            return "TERMINATION";
        }
    }

    @Command(name = "wkr-decentral-switch", aliases = "switch", description = "Switch to other remote servers and/or units per server; restarts the units.")
    static final class Switch extends Request {
        @Option(names = {"-remote_servers", "--remote-servers"}, paramLabel = "JSON",
                description = "The new servers: '[[\"host\", port_in, port_out], ...]'; none = keep. Default: keep.")
        String remoteServers;

        @Option(names = {"-num_client", "--num-client"}, paramLabel = "N", defaultValue = "0",
                description = "Units per server; 0 = keep. Default: ${DEFAULT-VALUE}.")
        int numClient;

        @Mixin ReplyPort replyPort = new ReplyPort();

        @Override
        List<String> ignored() {
            return replyPort.ignored();
        }

        @Override
        String command() {
            return "SWITCH";
        }

        @Override
        ControlRequest args() {
            // The original read "none" (any case) as "keep the servers".
            boolean keep = remoteServers == null || remoteServers.strip().equalsIgnoreCase("none");
            String json = keep ? null : remoteServers;
            if (json == null && numClient <= 0) {
                throw new ParameterException(spec.commandLine(), "give -remote_servers and/or -num_client");
            }
            List<RemoteServer> servers = null;
            if (json != null) {
                try {
                    servers = RemoteServer.parseList(json);
                } catch (IllegalArgumentException e) {
                    throw new ParameterException(spec.commandLine(), e.getMessage(), e);
                }
            }
            return new ControlRequest(servers, numClient, null);
        }
    }
}

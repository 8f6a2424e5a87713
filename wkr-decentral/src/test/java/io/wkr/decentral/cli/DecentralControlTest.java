package io.wkr.decentral.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.decentral.testing.JsonShape;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The control tools against a scripted central (a ROUTER socket that records one request and
 * answers a canned reply): the request each tool sends, key by key, and how it prints replies.
 */
@Timeout(30)
class DecentralControlTest {
    @TempDir Path dir;
    private final ZContext zmq = new ZContext(1);
    private ZMQ.Socket router;
    private int port;
    private Path tokenFile;

    @BeforeEach
    void bind() throws Exception {
        router = zmq.createSocket(SocketType.ROUTER);
        router.setLinger(0);
        router.setReceiveTimeOut(20_000);
        port = router.bindToRandomPort("tcp://127.0.0.1");
        tokenFile = dir.resolve("t.token");
        Files.writeString(tokenFile, "abc123\n");
    }

    @AfterEach
    void close() {
        zmq.close();
    }

    private record Outcome(int code, String out, String err, String command, String args) {}

    /** Runs the tool with {@code args} while the scripted central answers {@code reply}. */
    private Outcome run(String reply, String... args) throws Exception {
        CompletableFuture<List<String>> request = CompletableFuture.supplyAsync(() -> {
            List<String> frames = new ArrayList<>();
            byte[] identity = router.recv(0);
            if (identity == null) return frames;
            while (router.hasReceiveMore()) frames.add(new String(router.recv(0), StandardCharsets.UTF_8));
            router.send(identity, ZMQ.SNDMORE);
            router.send(new byte[0], ZMQ.SNDMORE);
            router.send(reply, 0);
            return frames;
        });
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("-port", Integer.toString(port), "-token_file", tokenFile.toString(), "-timeout", "20000"));
        int code = DecentralControl.run(new PrintWriter(out, true), new PrintWriter(err, true), all.toArray(String[]::new));
        List<String> frames = request.get(20, TimeUnit.SECONDS);
        assertThat(frames).as("[empty delimiter, COMMAND, JSON]").hasSize(3);
        assertThat(frames.get(0)).isEmpty();
        return new Outcome(code, out.toString(), err.toString(), frames.get(1), frames.get(2));
    }

    @Test
    void shouldSendSwitchWithTheTokenServersAndUnitsAndPrintTheReplyWithoutOk() throws Exception {
        Outcome o = run("{\"ok\":true,\"command\":\"SWITCH\",\"success\":true,\"number_client_per_server\":3}",
                "switch", "-remote_servers", "[[\"10.0.0.3\", 5555, 5556]]", "-num_client", "3");
        assertThat(o.command()).isEqualTo("SWITCH");
        assertThat(JsonShape.of(o.args())).isEqualTo("{remote_servers:[[string,int,int]],number_clients:int,token:string}");
        assertThat(JsonShape.tree(o.args())).isEqualTo(JsonShape.tree(
                "{\"token\":\"abc123\",\"remote_servers\":[[\"10.0.0.3\",5555,5556]],\"number_clients\":3}"));
        assertThat(o.code()).isZero();
        assertThat(o.out().strip()).startsWith("SWITCH done: ");
        assertThat(JsonShape.tree(o.out().strip().substring("SWITCH done: ".length()))).isEqualTo(JsonShape.tree(
                "{\"command\":\"SWITCH\",\"success\":true,\"number_client_per_server\":3}"));
    }

    @Test
    void shouldSendNumberClientsZeroWhenOnlyServersChange() throws Exception {
        Outcome o = run("{\"ok\":true}", "switch", "-remote_servers", "[[\"h\", 1, 2]]");
        assertThat(JsonShape.tree(o.args())).isEqualTo(JsonShape.tree(
                "{\"token\":\"abc123\",\"remote_servers\":[[\"h\",1,2]],\"number_clients\":0}"));
    }

    @Test
    void shouldSendOnlyTheTokenForIdleRestartAndTerminate() throws Exception {
        for (String[] tool : List.of(new String[] {"idle", "IDLE"}, new String[] {"restart", "RESTART_CLIENT"},
                new String[] {"terminate", "TERMINATION"})) {
            Outcome o = run("{\"ok\":true,\"command\":\"" + tool[1] + "\",\"state\":\"IDLE\"}", tool[0]);
            assertThat(o.command()).isEqualTo(tool[1]);
            assertThat(o.args()).isEqualTo("{\"token\":\"abc123\"}");
            assertThat(o.code()).isZero();
            assertThat(o.out().strip()).isEqualTo(tool[1] + " done: {\"command\":\"" + tool[1] + "\",\"state\":\"IDLE\"}");
        }
    }

    @Test
    void shouldAskStatusWithoutATokenAndPrintItWithoutOkAndCommand() throws Exception {
        Outcome o = run("{\"ok\":true,\"command\":\"SHOW_CONFIG\",\"state\":\"RUNNING\",\"port\":7,\"port_out\":null,"
                + "\"units\":[{\"name\":\"a\"}]}", "status");
        assertThat(o.command()).isEqualTo("SHOW_CONFIG");
        assertThat(o.args()).isEqualTo("{}");
        assertThat(o.code()).isZero();
        assertThat(o.out().strip()).isEqualTo("{\"state\":\"RUNNING\",\"port\":7,\"port_out\":null,\"units\":[{\"name\":\"a\"}]}");
    }

    @Test
    void shouldFailWithTheCentralsErrorWhenRefused() throws Exception {
        Outcome o = run("{\"ok\":false,\"error\":\"UNAUTHORIZED: IDLE needs the control token\"}", "idle");
        assertThat(o.code()).isEqualTo(1);
        assertThat(o.err()).contains("IDLE refused: UNAUTHORIZED: IDLE needs the control token");
        assertThat(o.out()).isEmpty();
    }
}

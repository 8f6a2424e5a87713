package io.wkr.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.AdminToken;
import io.wkr.server.testing.CliProcess;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.RawPeer;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** wkr-serving-terminate (in-process) against wkr-serving-start in a child JVM. */
@Timeout(120)
class ServingTerminateTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    @TempDir Path dir;

    private record Result(int code, String out, String err) {}

    private static Result terminate(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ServingTerminate.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private CliProcess startServer(String... extra) throws IOException {
        String[] args = new String[5 + extra.length];
        args[0] = EchoTestWorker.class.getName();
        System.arraycopy(new String[] {"-port_in", "0", "-port_out", "0"}, 0, args, 1, 4);
        System.arraycopy(extra, 0, args, 5, extra.length);
        return CliProcess.start(dir, ServingStart.class, args);
    }

    @Test
    void shouldStopAServerWithTheRightToken() throws Exception {
        Path token = dir.resolve("admin.token");
        try (CliProcess server = startServer("-token_file", token.toString())) {
            int[] ports = server.awaitReady(WAIT);
            Result r = terminate("-port", Integer.toString(ports[0]), "-token_file", token.toString());
            assertThat(r.code).as(r.err).isZero();
            assertThat(r.out).contains("shutdown signal sent to tcp://127.0.0.1:" + ports[0]);
            assertThat(server.awaitExit(WAIT)).isZero();
            assertThat(server.output()).contains("TERMINATION from client wkr-serving-terminate: draining");
        }
    }

    @Test
    void shouldRefuseAWrongTokenAndKeepServing() throws Exception {
        Path token = dir.resolve("admin.token");
        Path wrong = Files.writeString(dir.resolve("wrong.token"), "0123456789abcdef\n");
        try (CliProcess server = startServer("-token_file", token.toString())) {
            int[] ports = server.awaitReady(WAIT);
            String in = Integer.toString(ports[0]);
            String out = Integer.toString(ports[1]);
            Result refused = terminate("-port", in, "-port_out", out, "-token_file", wrong.toString());
            assertThat(refused.code).isEqualTo(1);
            assertThat(refused.err).contains("refused the shutdown: wrong admin token");
            try (RawPeer client = new RawPeer("127.0.0.1", ports[0], ports[1], "after-refusal")) {
                assertThat(client.handshake(WAIT)).contains("\"state\":\"READY\"");
            }
            assertThat(server.process().isAlive()).isTrue();
            assertThat(server.output()).contains("refused TERMINATION");

            Result accepted = terminate("-port_in", in, "-port_out", out, "-token_file", token.toString());
            assertThat(accepted.code).as(accepted.err).isZero();
            assertThat(accepted.out).contains("accepted the shutdown");
            assertThat(server.awaitExit(WAIT)).isZero();
        }
    }

    @Test
    void shouldFindTheTokenInTheDefaultFileOfThePort() throws Exception {
        try (CliProcess server = startServer()) {
            int[] ports = server.awaitReady(WAIT);
            assertThat(AdminToken.defaultFile(ports[0])).exists();
            Result r = terminate("-port", Integer.toString(ports[0]));
            assertThat(r.code).as(r.err).isZero();
            assertThat(server.awaitExit(WAIT)).isZero();
            assertThat(AdminToken.defaultFile(ports[0])).doesNotExist();
        }
    }

    @Test
    void shouldFailClearlyWithoutATokenFile() {
        Result r = terminate("-port", "5555", "-token_file", dir.resolve("none.token").toString());
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("no admin token file").contains("none.token");
    }

    @Test
    void shouldFailWhenNoServerListens() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Path token = Files.writeString(dir.resolve("t.token"), "abc\n");
        Result r = terminate("-port", Integer.toString(port), "-token_file", token.toString(), "-timeout", "500");
        assertThat(r.code).isEqualTo(1);
        assertThat(r.err).contains("no wkr server answered");
    }

    @Test
    void shouldRequireThePort() {
        assertThat(terminate().code).isEqualTo(2);
    }
}

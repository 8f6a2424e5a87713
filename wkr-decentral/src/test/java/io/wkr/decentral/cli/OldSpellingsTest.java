package io.wkr.decentral.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.decentral.ControlRequest;
import io.wkr.decentral.DecentralConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;

/**
 * Every option spelling of the original's decentral parsers ({@code helper.py}: {@code
 * get_args_parser}, {@code get_status_parser}, {@code get_switch_parser}, {@code
 * get_shutdown_parser}), and argparse's unique-prefix abbreviations of them, parsed by the wkr
 * launcher that replaces each, in process: where each lands, and which notes it gives. {@link
 * OldCommandLinesTest} runs such command lines end to end.
 */
class OldSpellingsTest {
    private static final String SERVERS = "[[\"10.0.0.1\", 8068, 8069]]";
    private static final List<String> CONTROL = List.of("wkr-decentral-status", "wkr-decentral-idle",
            "wkr-decentral-restart", "wkr-decentral-switch", "wkr-decentral-terminate");
    private static final List<String> PORT = List.of("-port", "-port_in", "-port_data", "-port_d", "-port_i");

    /** The parsed tool (the subcommand's object) for {@code tool args}. */
    private static DecentralControl.Request control(String tool, String... args) {
        List<String> all = new ArrayList<>(List.of(tool));
        all.addAll(List.of(args));
        CommandLine.ParseResult r =
                DecentralCli.commandLine(new DecentralControl()).parseArgs(all.toArray(String[]::new));
        return (DecentralControl.Request) r.subcommand().commandSpec().userObject();
    }

    @Test
    void shouldTakeEveryPortSpellingIpAndTimeoutOnEveryControlTool() {
        for (String tool : CONTROL) {
            for (String port : PORT) {
                DecentralControl.Request t = control(tool, "-ip", "10.1.2.3", port, "7000", "-timeout", "5000");
                assertThat(t.target.port).as("%s %s", tool, port).isEqualTo(7000);
                assertThat(t.target.host).isEqualTo("10.1.2.3");
                assertThat(t.target.timeoutMillis).isEqualTo(5000);
                assertThat(t.ignored()).isEmpty();
            }
            assertThat(control(tool, "-i", "h", "-port", "1", "-time", "9").target)
                    .extracting(x -> x.host, x -> x.timeoutMillis).containsExactly("h", 9);
        }
    }

    @Test
    void shouldTakeAndIgnoreTheReplyPortOnStatusAndSwitchWithOneNote() {
        for (String tool : List.of("wkr-decentral-status", "wkr-decentral-switch")) {
            for (String out : List.of("-port_out", "-port_pull", "-port_o", "-port_p")) {
                DecentralControl.Request t = control(tool, "-port", "7000", out, "7001");
                assertThat(t.ignored()).as("%s %s", tool, out).hasSize(1);
                assertThat(t.ignored().get(0)).startsWith("-port_out/-port_pull is ignored");
            }
            assertThat(control(tool, "-port", "7000").ignored()).isEmpty();
        }
    }

    @Test
    void shouldSwitchWithTheOriginalsSwitchOptionsNoneKeepingTheServers() {
        DecentralControl.Switch s = (DecentralControl.Switch) control("wkr-decentral-switch", "-port", "7000",
                "-port_out", "7001", "-num_client", "3", "-remote_servers", SERVERS);
        ControlRequest args = s.args();
        assertThat(args.numberClients()).isEqualTo(3);
        assertThat(args.remoteServers()).hasSize(1);
        assertThat(args.remoteServers().get(0).host()).isEqualTo("10.0.0.1");
        for (String none : List.of("None", "none", "NONE")) {
            s = (DecentralControl.Switch) control("wkr-decentral-switch", "-port", "7000", "-remote_servers", none,
                    "-num_client", "2");
            assertThat(s.args().remoteServers()).as(none).isNull();
            assertThat(s.args().numberClients()).isEqualTo(2);
        }
        s = (DecentralControl.Switch) control("wkr-decentral-switch", "-port", "7000", "-remote", SERVERS, "-num", "4");
        assertThat(s.args().numberClients()).isEqualTo(4);
        assertThat(s.args().remoteServers()).hasSize(1);
    }

    @Test
    void shouldStartWithEveryOptionOfTheOriginalsArgsParser() {
        for (String port : List.of("-port", "-port_in", "-port_data")) {
            for (String out : List.of("-port_out", "-port_pull")) {
                DecentralStart start = new DecentralStart();
                DecentralCli.commandLine(start).parseArgs("my.Unit", "-ip", "127.0.0.1", port, "21324", out, "21326",
                        "-num_client", "24", "-remote_servers", SERVERS, "-log_dir", "/tmp/log_dir", "-log_name", "x",
                        "-timeout", "5000");
                DecentralConfig c = start.options.toConfig();
                assertThat(c.controlPort()).as("%s %s", port, out).isEqualTo(21324);
                assertThat(c.numClient()).isEqualTo(24);
                assertThat(c.controlHost()).isEqualTo("127.0.0.1");
                assertThat(start.options.logging.logDir()).hasToString("/tmp/log_dir");
                assertThat(start.options.ignored()).hasSize(1);
            }
        }
        DecentralStart start = new DecentralStart();
        DecentralCli.commandLine(start).parseArgs("my.Unit", "-port", "1", "-num", "3", "-remote", SERVERS);
        assertThat(start.options.toConfig().numClient()).isEqualTo(3);
        assertThat(start.options.ignored()).isEmpty();
    }

    @Test
    void shouldRefuseAPrefixThatFitsTwoOptionsAndANameAbbreviationInMake() {
        assertThatThrownBy(() -> control("wkr-decentral-status", "-port_", "7000"))
                .isInstanceOf(ParameterException.class).hasMessageContaining("not unique");
        StringWriter err = new StringWriter();
        int code = DecentralMake.run(new PrintWriter(Writer.nullWriter()), new PrintWriter(err, true), "my.Unit",
                "-remote_servers", SERVERS, "-nam", "svc");
        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("write -name in full (not -nam)");
    }
}

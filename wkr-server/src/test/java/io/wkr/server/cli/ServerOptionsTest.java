package io.wkr.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.server.config.ServerConfig;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class ServerOptionsTest {

    private static ServingStart parse(String... args) {
        ServingStart start = new ServingStart();
        Cli.commandLine(start).parseArgs(args);
        return start;
    }

    /** Runs wkr-serving-start in-process; only for argument errors (it never starts a server here). */
    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = ServingStart.run(new PrintWriter(out, true), new PrintWriter(err, true), args);
        return new Result(code, out.toString(), err.toString());
    }

    private record Result(int code, String out, String err) {}

    @Test
    void shouldAcceptTheOriginalSingleDashOptions() {
        ServingStart s = parse("my.Worker", "-port", "7000", "-port_out", "7001", "-http_port", "8080",
                "-num_worker", "3", "-batch_size", "32", "-batch_group_timeout", "5", "-device_map", "0", "1",
                "-gpu_memory_fraction", "0.5", "-model_dir", "/models", "-model_name", "resnet",
                "-tmp_folder", "scratch", "-protocol", "numpy", "-cpu", "-verbose", "-log_dir", "logs",
                "-log_name", "svc");
        ServerConfig c = s.options.toConfig();
        assertThat(s.workerClass).isEqualTo("my.Worker");
        assertThat(c.portIn()).isEqualTo(7000);
        assertThat(c.portOut()).isEqualTo(7001);
        assertThat(c.httpPort()).isEqualTo(8080);
        assertThat(c.numWorker()).isEqualTo(3);
        assertThat(c.batchSize()).isEqualTo(32);
        assertThat(c.batchGroupTimeout()).isEqualTo(Duration.ofMillis(5));
        assertThat(c.deviceMap()).containsExactly(0, 1);
        assertThat(c.cpu()).isTrue();
        assertThat(c.effectiveDeviceMap()).containsExactly(-1, -1, -1);
        assertThat(c.gpuMemoryFraction()).isEqualTo(0.5);
        assertThat(c.modelDir()).isEqualTo(Path.of("/models"));
        assertThat(c.modelName()).isEqualTo("resnet");
        assertThat(c.tmpFolder()).isEqualTo("scratch");
        assertThat(c.protocol()).isEqualTo(Protocol.NUMPY);
        assertThat(s.options.logging().verbose()).isTrue();
        assertThat(s.options.logging().logDir()).isEqualTo(Path.of("logs"));
        assertThat(s.options.logging().logName()).isEqualTo("svc");
    }

    @Test
    void shouldAcceptEveryAliasOfThePorts() {
        for (String in : List.of("-port", "-port_in", "-port_data", "--port-in")) {
            for (String out : List.of("-port_out", "-port_result", "--port-out")) {
                ServerConfig c = parse(in, "6000", out, "6001", "my.Worker").options.toConfig();
                assertThat(c.portIn()).as(in).isEqualTo(6000);
                assertThat(c.portOut()).as(out).isEqualTo(6001);
            }
        }
        assertThat(parse("--port-in=6002", "my.Worker").options.toConfig().portIn()).isEqualTo(6002);
    }

    @Test
    void shouldAcceptWkrsOwnOptions() {
        ServerConfig c = parse("-bind", "127.0.0.1", "-max_queue_size", "64", "-max_request_bytes", "4m",
                "-request_timeout", "250", "-drain_timeout", "7", "-startup_timeout", "9", "-token_file", "t.token",
                "-cp", "a.jar:b/*", "my.Worker").options.toConfig();
        assertThat(c.bindHost()).isEqualTo("127.0.0.1");
        assertThat(c.maxQueueSize()).isEqualTo(64);
        assertThat(c.maxRequestBytes()).isEqualTo(4 << 20);
        assertThat(c.requestTimeout()).isEqualTo(Duration.ofMillis(250));
        assertThat(c.drainTimeout()).isEqualTo(Duration.ofSeconds(7));
        assertThat(c.startupTimeout()).isEqualTo(Duration.ofSeconds(9));
        assertThat(c.tokenFile()).isEqualTo(Path.of("t.token"));
        assertThat(parse("-ip", "10.0.0.1", "my.Worker").options.toConfig().bindHost()).isEqualTo("10.0.0.1");
        assertThat(parse("--classpath", "x.jar", "my.Worker").options.classpath()).isEqualTo("x.jar");
    }

    @Test
    void shouldDefaultToServerConfigDefaultsOnTheClientsDefaultPorts() {
        ServerConfig c = parse("my.Worker").options.toConfig();
        assertThat(c).isEqualTo(ServerConfig.builder().portIn(5555).portOut(5556).build());
    }

    @Test
    void shouldTakeDeviceIdsUntilTheNextNonNumber() {
        ServingStart s = parse("-device_map", "0", "-1", "2", "my.Worker", "-num_worker", "4");
        assertThat(s.options.toConfig().deviceMap()).containsExactly(0, -1, 2);
        assertThat(s.workerClass).isEqualTo("my.Worker");
        assertThat(s.options.toConfig().numWorker()).isEqualTo(4);
        assertThat(parse("my.Worker", "-device_map", "1,0").options.toConfig().deviceMap()).containsExactly(1, 0);
        assertThat(parse("my.Worker", "-device_map", "3").options.toConfig().effectiveDeviceMap()).containsExactly(3);
    }

    @Test
    void shouldRefuseADeviceMapWithoutIds() {
        Result r = run("-device_map", "my.Worker");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("-device_map needs one or more device ids");
    }

    @Test
    void shouldAcceptTheOriginalsLegacyOptionsAndNameThemIgnored() {
        ServingStart s = parse("my.Worker", "-http_new", "-http_max_connect", "100", "-http_concurent_retry_num", "100",
                "-http_concurent_retry_gap", "0.05", "-http_stat_dashboard", "plugin/dashboard");
        assertThat(s.options.legacy().givenAndIgnored()).hasSize(5)
                .allSatisfy(w -> assertThat(w).contains("is ignored"));
        assertThat(parse("my.Worker").options.legacy().givenAndIgnored()).isEmpty();
    }

    @Test
    void shouldTakeTheOriginalsAutoscalingOptionsForTheElasticPool() {
        ServingStart s = parse("my.Worker", "-num_worker", "2", "-num_worker_expanded", "4", "-device_to_expand", "0", "1",
                "-busy_util_threshold", "0.9", "-duration_expand", "3000", "-duration_squeeze", "6000");
        assertThat(s.options.legacy().givenAndIgnored()).isEmpty();
        io.wkr.server.config.ServerConfig c = s.options.toConfig();
        assertThat(c.maxWorkers()).isEqualTo(4);
        assertThat(c.deviceToExpand()).containsExactly(0, 1);
        assertThat(c.busyUtilThreshold()).isEqualTo(0.9);
        assertThat(c.durationExpand()).isEqualTo(java.time.Duration.ofSeconds(3));
        assertThat(c.durationSqueeze()).isEqualTo(java.time.Duration.ofSeconds(6));
        assertThat(parse("my.Worker").options.toConfig().maxWorkers()).isEqualTo(1);
    }

    @Test
    void shouldReadTheHttpTokenFromAFileAndTheCorsOrigins(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path token = java.nio.file.Files.writeString(dir.resolve("http.token"), "abc123\n");
        io.wkr.server.config.ServerConfig c = parse("my.Worker", "-http_port", "0", "-http_token_file", token.toString(),
                "-cors", "http://a.example, http://b.example").options.toConfig();
        assertThat(c.httpToken()).isEqualTo("abc123");
        assertThat(c.corsOrigins()).containsExactly("http://a.example", "http://b.example");
        assertThat(c.httpPort()).isZero();
        assertThat(parse("my.Worker").options.toConfig().corsOrigins()).isEmpty();
        assertThat(run("my.Worker", "-http_token_file", dir.resolve("missing").toString()).err)
                .contains("cannot read -http_token_file");
    }

    @Test
    void shouldExitTwoOnBadValuesAndUnknownOptions() {
        assertThat(run("my.Worker", "-batch_size", "0").code).isEqualTo(2);
        assertThat(run("my.Worker", "-batch_size", "0").err).contains("batchSize < 1");
        assertThat(run("my.Worker", "-protocol", "pickle").err).contains("unknown protocol");
        assertThat(run("my.Worker", "-port_in", "70000").code).isEqualTo(2);
        assertThat(run("my.Worker", "-drain_timeout", "-1").code).isEqualTo(2);
        Result unknown = run("my.Worker", "-batchsize", "3");
        assertThat(unknown.code).isEqualTo(2);
        assertThat(unknown.err).contains("-batchsize");
        assertThat(run().code).isEqualTo(2);
    }

    @Test
    void shouldExitTwoWhenTheWorkerClassIsMissing() {
        Result r = run("com.example.NoSuchWorker", "-port", "0", "-port_out", "0");
        assertThat(r.code).isEqualTo(2);
        assertThat(r.err).contains("com.example.NoSuchWorker not found").contains("-cp");
    }

    @Test
    void shouldExitTwoWhenTheClassIsNotAStartableWorker() {
        assertThat(run("java.lang.String").err).contains("does not extend io.wkr.server.WKRHardWorker");
        assertThat(run("java.lang.String").code).isEqualTo(2);
        assertThat(run(CliTestWorkers.Abstract.class.getName()).err).contains("is abstract");
        Result noCtor = run(CliTestWorkers.NeedsArgument.class.getName());
        assertThat(noCtor.code).isEqualTo(2);
        assertThat(noCtor.err).contains("needs a public no-argument constructor");
    }

    @Test
    void shouldPrintHelpAndVersion() {
        Result help = run("-help");
        assertThat(help.code).isZero();
        assertThat(help.out).contains("-port_in").contains("-batch_group_timeout").contains("-device_map");
        Result version = run("-version");
        assertThat(version.code).isZero();
        assertThat(version.out).startsWith("wkr-serving-start ").contains("2.1.0");
    }

    @Test
    void shouldParseByteSizesWithSuffixes() {
        ServerOptions.ByteSize size = new ServerOptions.ByteSize();
        assertThat(size.convert("1024")).isEqualTo(1024);
        assertThat(size.convert("2k")).isEqualTo(2048);
        assertThat(size.convert("16MiB")).isEqualTo(16 << 20);
        assertThat(size.convert("1g")).isEqualTo(1 << 30);
    }
}

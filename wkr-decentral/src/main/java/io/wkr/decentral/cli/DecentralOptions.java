package io.wkr.decentral.cli;

import io.wkr.decentral.DecentralConfig;
import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.RedisConfig;
import io.wkr.decentral.RemoteServer;
import io.wkr.protocol.Protocol;
import io.wkr.server.cli.LoggingOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of {@code wkr-decentral-start} and {@code wkr-decentral-make}: the original's
 * ({@code -remote_servers}, {@code -num_client}, {@code -port}, {@code -log_dir}, ...) plus HTTP,
 * Redis and the job pipeline. The Redis password is read from a file or the environment, never
 * from the command line (where {@code ps} and run scripts would show it).
 */
final class DecentralOptions {
    /** Environment variable the Redis password may come from. */
    static final String PASSWORD_ENV = "WKR_REDIS_PASSWORD";

    @Option(names = {"-remote_servers", "--remote-servers"}, required = true, paramLabel = "JSON",
            description = "The servers, as JSON: '[[\"host\", port_in, port_out], ...]' (quote it for the shell).")
    String remoteServers;

    @Option(names = {"-num_client", "--num-client"}, paramLabel = "N", defaultValue = "4",
            description = "Units per remote server. Default: ${DEFAULT-VALUE}.")
    int numClient;

    @Option(names = {"-port", "-port_in", "-port_data", "--port"}, paramLabel = "PORT", defaultValue = "0",
            description = "Control port (status, idle, restart, switch, terminate); 0 = ephemeral, printed at start. "
                    + "Default: ${DEFAULT-VALUE}.")
    int port;

    @Option(names = {"-port_out", "-port_pull"}, paramLabel = "PORT", hidden = true,
            description = "The original's reply port; ignored (replies go back on -port).")
    Integer portOut;

    @Option(names = {"-ip", "-bind", "--bind"}, paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "Interface the control and HTTP ports bind, * for all. Default: ${DEFAULT-VALUE}.")
    String bindHost;

    @Option(names = {"-http_port", "--http-port"}, paramLabel = "PORT",
            description = "HTTP port for the status page (/) and JSON (/status); none when not given.")
    Integer httpPort;

    @Option(names = {"-token_file", "--token-file"}, paramLabel = "FILE",
            description = "Where to write the control token that idle/restart/switch/terminate need. "
                    + "Default: decentral-<port>.token in ~/.wkr/run.")
    Path tokenFile;

    @Option(names = {"-timeout", "--timeout"}, paramLabel = "MS", defaultValue = "30000",
            description = "How long a unit waits for a server's reply to one job (and for a server to answer when "
                    + "connecting). Default: ${DEFAULT-VALUE}.")
    long timeoutMillis;

    @Option(names = {"-restart_backoff_max", "--restart-backoff-max"}, paramLabel = "MS", defaultValue = "30000",
            description = "Longest wait between restarts of a failing unit (it starts at 100 ms and doubles). "
                    + "Default: ${DEFAULT-VALUE}.")
    long restartBackoffMaxMillis;

    @Option(names = {"-stop_timeout", "--stop-timeout"}, paramLabel = "S", defaultValue = "30",
            description = "How long a stop waits for the units to finish their in-flight jobs. Default: ${DEFAULT-VALUE}.")
    long stopTimeoutSeconds;

    @Option(names = {"-arg", "--arg"}, paramLabel = "KEY=VALUE",
            description = "A setting for your own unit class (UnitContext.arg); repeatable.")
    List<String> unitArgs = new ArrayList<>();

    @Option(names = {"-cp", "-classpath", "--classpath"}, paramLabel = "PATH",
            description = "Jars and directories holding the unit class, separated by ':'; dir/* = every jar in dir.")
    String classpath;

    // --------------------------------------------------------------------------------- Redis

    @Option(names = {"-redis_host", "--redis-host"}, paramLabel = "HOST", defaultValue = "localhost",
            description = "Redis host. Default: ${DEFAULT-VALUE}.")
    String redisHost;

    @Option(names = {"-redis_port", "--redis-port"}, paramLabel = "PORT", defaultValue = "6379",
            description = "Redis port. Default: ${DEFAULT-VALUE}.")
    int redisPort;

    @Option(names = {"-redis_db", "--redis-db"}, paramLabel = "N", defaultValue = "0",
            description = "Redis database index. Default: ${DEFAULT-VALUE}.")
    int redisDb;

    @Option(names = {"-redis_user", "--redis-user"}, paramLabel = "NAME", description = "Redis ACL user name.")
    String redisUser;

    @Option(names = {"-redis_password_file", "--redis-password-file"}, paramLabel = "FILE",
            description = "A file holding the Redis password (first line). Or set " + PASSWORD_ENV + ". "
                    + "The password is never logged or shown in status.")
    Path redisPasswordFile;

    @Option(names = {"-redis_password", "--redis-password"}, paramLabel = "PASSWORD", hidden = true)
    String redisPasswordOnCommandLine;

    @Option(names = {"-redis_tls", "--redis-tls"}, description = "Connect to Redis with TLS.")
    boolean redisTls;

    @Option(names = {"-redis_tls_ca", "--redis-tls-ca"}, paramLabel = "PEM",
            description = "CA certificate(s) to trust for Redis TLS (PEM). Default: the JVM's trust store.")
    Path redisTlsCa;

    @Option(names = {"-redis_tls_insecure", "--redis-tls-insecure"},
            description = "With -redis_tls: accept any certificate and host name (testing only).")
    boolean redisTlsInsecure;

    @Option(names = {"-redis_timeout", "--redis-timeout"}, paramLabel = "MS", defaultValue = "5000",
            description = "Redis connect and command timeout. Default: ${DEFAULT-VALUE}.")
    long redisTimeoutMillis;

    // --------------------------------------------------------------------------------- jobs

    @Option(names = {"-stream", "--stream"}, paramLabel = "KEY", defaultValue = "wkr:jobs",
            description = "Redis stream of jobs (JobUnit). Default: ${DEFAULT-VALUE}.")
    String stream;

    @Option(names = {"-group", "--group"}, paramLabel = "NAME", defaultValue = "wkr",
            description = "Consumer group the units read with. Default: ${DEFAULT-VALUE}.")
    String group;

    @Option(names = {"-visibility_timeout", "--visibility-timeout"}, paramLabel = "MS", defaultValue = "60000",
            description = "A job whose unit shows no sign of life this long is reclaimed by another. "
                    + "Default: ${DEFAULT-VALUE}.")
    long visibilityTimeoutMillis;

    @Option(names = {"-max_deliveries", "--max-deliveries"}, paramLabel = "N", defaultValue = "5",
            description = "Deliveries after which a failing job goes to the dead-letter stream. Default: ${DEFAULT-VALUE}.")
    int maxDeliveries;

    @Option(names = {"-retry_backoff", "--retry-backoff"}, paramLabel = "MS", defaultValue = "1000",
            description = "Wait before retrying a failed job, doubled per delivery. Default: ${DEFAULT-VALUE}.")
    long retryBackoffMillis;

    @Option(names = {"-result_ttl", "--result-ttl"}, paramLabel = "S", defaultValue = "86400",
            description = "How long results are kept. Default: ${DEFAULT-VALUE}.")
    long resultTtlSeconds;

    @Option(names = {"-max_in_flight", "--max-in-flight"}, paramLabel = "N", defaultValue = "16",
            description = "Jobs one unit has sent and not finished. Default: ${DEFAULT-VALUE}.")
    int maxInFlight;

    @Option(names = {"-protocol", "--protocol"}, paramLabel = "obj|numpy", defaultValue = "obj",
            description = "Payload protocol of the servers. Default: ${DEFAULT-VALUE}.")
    String protocol;

    @Option(names = {"-dead_letter_maxlen", "--dead-letter-maxlen"}, paramLabel = "N", defaultValue = "100000",
            description = "The dead-letter stream is trimmed to about this many entries. Default: ${DEFAULT-VALUE}.")
    long deadLetterMaxLen;

    // --------------------------------------------------------------------------------- logging

    @Mixin LoggingOptions logging = new LoggingOptions("WKRDecentral");

    /**
     * The configuration these options describe.
     *
     * @throws IllegalArgumentException for a bad value, with what is wrong
     */
    DecentralConfig toConfig() {
        if (redisPasswordOnCommandLine != null) {
            throw new IllegalArgumentException("the Redis password is not taken on the command line (ps and "
                    + "run_script.sh would show it): use -redis_password_file FILE or " + PASSWORD_ENV);
        }
        List<RemoteServer> servers = RemoteServer.parseList(remoteServers);
        RedisConfig redis = new RedisConfig(redisHost, redisPort, redisUser, password(), redisDb, redisTls, redisTlsCa,
                redisTlsInsecure, Duration.ofMillis(redisTimeoutMillis));
        if (redisTlsCa != null && !Files.isReadable(redisTlsCa)) {
            throw new IllegalArgumentException("-redis_tls_ca file is not readable: " + redisTlsCa);
        }
        JobsConfig jobs = JobsConfig.builder().stream(stream).group(group)
                .visibilityTimeout(Duration.ofMillis(visibilityTimeoutMillis)).maxDeliveries(maxDeliveries)
                .retryBackoff(Duration.ofMillis(retryBackoffMillis)).resultTtl(Duration.ofSeconds(resultTtlSeconds))
                .maxInFlight(maxInFlight).requestTimeout(Duration.ofMillis(timeoutMillis))
                .protocol(Protocol.parse(protocol)).deadLetterMaxLen(deadLetterMaxLen).build();
        Duration backoffMax = Duration.ofMillis(restartBackoffMaxMillis);
        Duration backoffMin = Duration.ofMillis(Math.min(100, Math.max(1, restartBackoffMaxMillis)));
        return DecentralConfig.builder(servers).numClient(numClient).controlHost(bindHost).controlPort(port)
                .httpPort(httpPort).tokenFile(tokenFile).restartBackoff(backoffMin, backoffMax)
                .stopTimeout(Duration.ofSeconds(stopTimeoutSeconds)).unitArgs(unitArgs()).redis(redis).jobs(jobs)
                .build();
    }

    private Map<String, String> unitArgs() {
        Map<String, String> m = new LinkedHashMap<>();
        for (String a : unitArgs) {
            int eq = a.indexOf('=');
            if (eq <= 0) throw new IllegalArgumentException("-arg takes KEY=VALUE, got " + a);
            m.put(a.substring(0, eq), a.substring(eq + 1));
        }
        return m;
    }

    private String password() {
        if (redisPasswordFile != null) {
            try {
                List<String> lines = Files.readAllLines(redisPasswordFile, StandardCharsets.UTF_8);
                if (lines.isEmpty() || lines.get(0).isEmpty()) {
                    throw new IllegalArgumentException("-redis_password_file is empty: " + redisPasswordFile);
                }
                return lines.get(0);
            } catch (IOException e) {
                throw new IllegalArgumentException("cannot read -redis_password_file " + redisPasswordFile + ": " + e, e);
            }
        }
        String env = System.getenv(PASSWORD_ENV);
        return env == null || env.isEmpty() ? null : env;
    }

    /** Warnings for options given that do nothing. */
    List<String> ignored() {
        List<String> out = new ArrayList<>();
        if (portOut != null) {
            out.add("-port_out/-port_pull is ignored: control replies go back on -port to the requester, there is no "
                    + "second port");
        }
        return out;
    }
}

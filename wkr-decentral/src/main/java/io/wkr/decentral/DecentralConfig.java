package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wkr.decentral.internal.JsonDocuments;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a {@link WKRDecentralizeCentral} needs, checked once. Build with {@link #builder};
 * {@code wkr-decentral-start} fills the same builder from its options.
 *
 * @param remoteServers the servers to fan out to; {@code numClient} units run per server
 * @param numClient units per remote server
 * @param controlHost interface the control socket binds
 * @param controlPort port of the control socket (status, idle, restart, switch, terminate); 0 =
 *     ephemeral, {@code null} = no control socket
 * @param httpPort port of the HTTP status page and JSON; 0 = ephemeral, {@code null} = none
 * @param tokenFile where the control token is written ({@code null}: {@code
 *     ~/.wkr/run/decentral-<port>.token}); every control command but status must carry it
 * @param restartBackoffMin wait before restarting a unit that failed once
 * @param restartBackoffMax longest wait between restarts of a unit that keeps failing
 * @param stopTimeout how long stopping waits for each unit to finish its current work
 * @param unitArgs free-form {@code KEY=VALUE} settings for user units ({@code -arg})
 * @param redis Redis connection for units that use it ({@code JobUnit}, {@code RedisHandler});
 *     {@code null} when no unit needs Redis
 * @param jobs the job pipeline's settings (used by {@code JobUnit})
 */
public record DecentralConfig(
        List<RemoteServer> remoteServers,
        int numClient,
        String controlHost,
        Integer controlPort,
        Integer httpPort,
        Path tokenFile,
        Duration restartBackoffMin,
        Duration restartBackoffMax,
        Duration stopTimeout,
        Map<String, String> unitArgs,
        RedisConfig redis,
        JobsConfig jobs) {

    public DecentralConfig {
        remoteServers = List.copyOf(remoteServers);
        if (remoteServers.isEmpty()) throw new IllegalArgumentException("no remote servers");
        if (numClient < 1) throw new IllegalArgumentException("numClient < 1: " + numClient);
        Objects.requireNonNull(controlHost, "controlHost == null");
        if (controlPort != null) checkPort("controlPort", controlPort);
        if (httpPort != null) checkPort("httpPort", httpPort);
        positive("restartBackoffMin", restartBackoffMin);
        positive("restartBackoffMax", restartBackoffMax);
        if (restartBackoffMax.compareTo(restartBackoffMin) < 0) {
            throw new IllegalArgumentException("restartBackoffMax < restartBackoffMin: " + restartBackoffMax);
        }
        positive("stopTimeout", stopTimeout);
        unitArgs = Map.copyOf(unitArgs);
        Objects.requireNonNull(jobs, "jobs == null");
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException(name + " not in 0..65535: " + port);
    }

    private static void positive(String name, Duration d) {
        Objects.requireNonNull(d, name + " == null");
        if (d.isNegative() || d.isZero()) throw new IllegalArgumentException(name + " <= 0: " + d);
    }

    public static Builder builder(List<RemoteServer> remoteServers) {
        return new Builder(remoteServers);
    }

    public Builder toBuilder() {
        return new Builder(remoteServers).numClient(numClient).controlHost(controlHost).controlPort(controlPort)
                .httpPort(httpPort).tokenFile(tokenFile).restartBackoff(restartBackoffMin, restartBackoffMax)
                .stopTimeout(stopTimeout).unitArgs(unitArgs).redis(redis).jobs(jobs);
    }

    /**
     * The settings as the central's status shows them ({@code config}): no secrets (the Redis
     * password masked, unit arguments by name only).
     */
    public Description describe() {
        return new Description(remoteServers, numClient, controlHost, controlPort, httpPort,
                List.of(restartBackoffMin.toMillis(), restartBackoffMax.toMillis()), stopTimeout.toMillis(),
                unitArgs.keySet().stream().sorted().toList(), redis == null ? null : redis.describe(), jobs.describe());
    }

    /**
     * The central's settings in its status document; the JSON keys are the component names or
     * their {@code @JsonProperty}.
     *
     * @param numberClientPerServer units per server (the original's key)
     * @param restartBackoffMillis {@code [min, max]}
     * @param unitArgs the names of the {@code -arg} settings, sorted; their values are left out
     * @param redis {@code null} without Redis
     */
    public record Description(
            @JsonProperty("remote_servers") List<RemoteServer> remoteServers,
            @JsonProperty("number_client_per_server") int numberClientPerServer,
            @JsonProperty("control_host") String controlHost,
            @JsonProperty("control_port") Integer controlPort,
            @JsonProperty("http_port") Integer httpPort,
            @JsonProperty("restart_backoff_ms") List<Long> restartBackoffMillis,
            @JsonProperty("stop_timeout_ms") long stopTimeoutMillis,
            @JsonProperty("unit_args") List<String> unitArgs,
            RedisConfig.Description redis,
            JobsConfig.Description jobs) {}

    /** One line for the start-up log; no secrets (unit argument values are left out too). */
    @Override
    public String toString() {
        return "DecentralConfig" + JsonDocuments.writeString(describe());
    }

    /** Builder; defaults: 4 units per server, control on 127.0.0.1 (ephemeral port), no HTTP. */
    public static final class Builder {
        private List<RemoteServer> remoteServers;
        private int numClient = 4;
        private String controlHost = "127.0.0.1";
        private Integer controlPort = 0;
        private Integer httpPort;
        private Path tokenFile;
        private Duration restartBackoffMin = Duration.ofMillis(100);
        private Duration restartBackoffMax = Duration.ofSeconds(30);
        private Duration stopTimeout = Duration.ofSeconds(30);
        private Map<String, String> unitArgs = Map.of();
        private RedisConfig redis;
        private JobsConfig jobs = JobsConfig.defaults();

        Builder(List<RemoteServer> remoteServers) {
            this.remoteServers = remoteServers;
        }

        public Builder remoteServers(List<RemoteServer> v) { remoteServers = v; return this; }
        public Builder numClient(int v) { numClient = v; return this; }
        public Builder controlHost(String v) { controlHost = v; return this; }
        public Builder controlPort(Integer v) { controlPort = v; return this; }
        public Builder httpPort(Integer v) { httpPort = v; return this; }
        public Builder tokenFile(Path v) { tokenFile = v; return this; }
        public Builder restartBackoff(Duration min, Duration max) {
            restartBackoffMin = min;
            restartBackoffMax = max;
            return this;
        }
        public Builder stopTimeout(Duration v) { stopTimeout = v; return this; }
        public Builder unitArgs(Map<String, String> v) { unitArgs = v; return this; }
        public Builder redis(RedisConfig v) { redis = v; return this; }
        public Builder jobs(JobsConfig v) { jobs = v; return this; }

        public DecentralConfig build() {
            return new DecentralConfig(remoteServers, numClient, controlHost, controlPort, httpPort, tokenFile,
                    restartBackoffMin, restartBackoffMax, stopTimeout, unitArgs, redis, jobs);
        }
    }
}

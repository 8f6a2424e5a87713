package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.time.Instant;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A central's status at one moment: what {@link WKRDecentralizeCentral#status()} returns, the
 * control command {@code SHOW_CONFIG} answers and {@code GET /status} serves, written as JSON by
 * Jackson. The JSON keys are the component names or their {@code @JsonProperty}; they are the
 * original's ({@code port}, {@code port_out}, {@code number_client_per_server}, {@code
 * remote_servers}) and more, listed in {@code docs/decentral.md}. Immutable.
 *
 * @param wkrVersion this wkr's version
 * @param state the central's lifecycle state
 * @param pid the central's process id
 * @param port the control port, {@code null} without a control socket
 * @param portOut always {@code null}: the original's reply port (replies go back on {@code port})
 * @param httpPort the HTTP port, {@code null} without HTTP
 * @param numberClientPerServer units per server
 * @param remoteServers the servers, each written as {@code ["host", port_in, port_out]}
 * @param servers per server: its units and what they do
 * @param units every unit
 * @param totals every unit counter summed over the units, by name (sorted)
 * @param config the settings, no secrets
 */
public record CentralStatus(
        @JsonProperty("wkr_version") String wkrVersion,
        WKRDecentralizeCentral.State state,
        long pid,
        Integer port,
        @JsonProperty("port_out") Integer portOut,
        @JsonProperty("http_port") Integer httpPort,
        @JsonProperty("number_client_per_server") int numberClientPerServer,
        @JsonProperty("remote_servers") List<RemoteServer> remoteServers,
        List<Server> servers,
        List<Unit> units,
        Map<String, Long> totals,
        DecentralConfig.Description config) {

    public CentralStatus {
        remoteServers = List.copyOf(remoteServers);
        servers = List.copyOf(servers);
        units = List.copyOf(units);
        totals = sorted(totals);
    }

    private static Map<String, Long> sorted(Map<String, Long> m) {
        return Collections.unmodifiableMap(new TreeMap<>(m));
    }

    /**
     * One server's units.
     *
     * @param server the server, written as {@code ["host", port_in, port_out]}
     * @param units its units
     * @param running those in {@link UnitState#RUNNING}
     * @param backoff those starting or waiting to restart ({@link UnitState#STARTING}, {@link
     *     UnitState#BACKOFF})
     * @param jobsDone the {@code jobs_done} counters of its units, summed
     */
    public record Server(
            RemoteServer server, int units, int running, int backoff, @JsonProperty("jobs_done") long jobsDone) {}

    /**
     * One unit.
     *
     * @param name {@code host:port_in#index}
     * @param server its server, written as {@code ["host", port_in, port_out]}
     * @param index its index among its server's units
     * @param state where it is in its life
     * @param since when it entered {@code state} (written as ISO-8601 text)
     * @param restarts how often it was started again after failing
     * @param backoffMillis the current wait before the next start; only in {@link UnitState#BACKOFF}
     *     ({@code null}, and left out of the JSON, otherwise)
     * @param lastError what its last failure was, or {@code null}
     * @param lastErrorAt when that was (ISO-8601 text), or {@code null}
     * @param counters its counters ({@link UnitContext#count}), sorted by name
     * @param gauges its gauges ({@link UnitContext#gauge}), sorted by name
     */
    public record Unit(
            String name,
            RemoteServer server,
            int index,
            UnitState state,
            @JsonSerialize(using = ToStringSerializer.class) Instant since,
            long restarts,
            @JsonProperty("backoff_ms") @JsonInclude(JsonInclude.Include.NON_NULL) Long backoffMillis,
            @JsonProperty("last_error") String lastError,
            @JsonProperty("last_error_at") @JsonSerialize(using = ToStringSerializer.class) Instant lastErrorAt,
            Map<String, Long> counters,
            Map<String, Long> gauges) {

        public Unit {
            counters = sorted(counters);
            gauges = sorted(gauges);
        }
    }
}

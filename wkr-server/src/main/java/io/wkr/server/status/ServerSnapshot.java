package io.wkr.server.status;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * One reading of a server's state: what it is and how it is configured, and its statistics since
 * start. Immutable; each part was read once, so the parts agree with each other (the {@link
 * #statistic() original's counters} are the same numbers as {@link #requests()}), though the
 * counters of a busy server move on while the parts are read.
 *
 * @param server what the server is: version, state, bound ports, times (top-level keys)
 * @param settings its configuration (top-level keys)
 * @param requests data and control requests, by outcome ({@code requests})
 * @param throughputRps replies to data requests per second, mean over the last 5 s
 * @param arrivalRps data requests received per second, mean over the last 5 s
 * @param queue requests waiting for a worker, and the bytes admitted ones hold
 * @param batches {@code predict} calls and their sizes
 * @param latencyMs end-to-end latency of successful requests since start
 * @param recentLatencyMs the same over the last 5 to 10 s
 * @param queueWaitMs time requests waited in the queue before a worker took them
 * @param predictMs time of one {@code predict} call
 * @param workers one entry per worker, in worker order
 * @param activeClients identities that sent a data request in the last 180 s
 * @param replies connections on {@code port_out}, replies that reached no client, reply bytes
 * @param custom what workers recorded with {@code recordStatistic}, by key (sorted)
 */
public record ServerSnapshot(
        ServerInfo server,
        Settings settings,
        Requests requests,
        double throughputRps,
        double arrivalRps,
        QueueState queue,
        Batches batches,
        Latency latencyMs,
        Latency recentLatencyMs,
        Latency queueWaitMs,
        Latency predictMs,
        List<WorkerSnapshot> workers,
        int activeClients,
        Replies replies,
        Map<String, CustomStatistic> custom) {

    public ServerSnapshot {
        Objects.requireNonNull(server, "server == null");
        Objects.requireNonNull(settings, "settings == null");
        Objects.requireNonNull(requests, "requests == null");
        Objects.requireNonNull(queue, "queue == null");
        Objects.requireNonNull(batches, "batches == null");
        Objects.requireNonNull(latencyMs, "latencyMs == null");
        Objects.requireNonNull(recentLatencyMs, "recentLatencyMs == null");
        Objects.requireNonNull(queueWaitMs, "queueWaitMs == null");
        Objects.requireNonNull(predictMs, "predictMs == null");
        Objects.requireNonNull(replies, "replies == null");
        workers = List.copyOf(workers);
        custom = Collections.unmodifiableMap(new LinkedHashMap<>(custom));
    }

    /** The original's {@code statistic} keys, for dashboards written against it; derived from {@link #requests()}. */
    public OriginalStatistic statistic() {
        long data = requests.received();
        return new OriginalStatistic(data, data, requests.control(), data + requests.control(), requests.failed(),
                activeClients);
    }
}

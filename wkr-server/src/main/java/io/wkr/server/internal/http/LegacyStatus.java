package io.wkr.server.internal.http;

import io.wkr.server.config.ServerConfig;
import io.wkr.server.status.ServerSnapshot;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/**
 * {@code GET /status/client}: the original proxy answered its pooled ZeroMQ client's {@code
 * status} ({@code identity, num_request, num_pending_request, pending_request, port, port_out,
 * server_ip, client_version, timeout}). wkr's HTTP side is no ZeroMQ client: it is the server's
 * own door into the queue, so the same keys describe it ({@code identity} {@value #IDENTITY}, the
 * HTTP data requests received and not answered yet, the server's ports). Counters are any-thread.
 */
final class LegacyStatus {
    /** The identity HTTP requests carry inside the server, and the {@code client} of {@code /status/server}. */
    static final String IDENTITY = "http";

    /** HTTP data requests received and answered, counted by {@link Exchange}. */
    static final class Counts {
        private final LongAdder received = new LongAdder();
        private final LongAdder answered = new LongAdder();

        void received() {
            received.increment();
        }

        void answered() {
            answered.increment();
        }
    }

    private LegacyStatus() {}

    static Map<String, Object> client(ServerConfig config, Counts counts, ServerSnapshot snapshot) {
        long answered = counts.answered.sum(); // before received: pending never goes negative
        long received = counts.received.sum();
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("identity", IDENTITY);
        status.put("num_request", received);
        status.put("num_pending_request", Math.max(0, received - answered));
        status.put("port", snapshot.server().port());
        status.put("port_out", snapshot.server().portOut());
        status.put("http_port", snapshot.server().httpPort());
        status.put("server_ip", config.bindHost());
        status.put("client_version", snapshot.server().serverVersion());
        status.put("timeout", config.requestTimeout().isZero() ? -1 : config.requestTimeout().toMillis());
        return status;
    }
}

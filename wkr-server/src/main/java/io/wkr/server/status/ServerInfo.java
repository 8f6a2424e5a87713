package io.wkr.server.status;

import io.wkr.protocol.Protocol;
import java.time.Instant;
import java.util.Objects;

/**
 * What a server is and where it listens; top-level keys of the status document.
 *
 * @param protocol the payload protocol ({@code protocol}: its wire name, {@code numpy} or {@code obj})
 * @param serverVersion always {@code 2.1.0}: the original Python client refuses any other
 * @param wkrVersion wkr's own version
 * @param javaVersion the server JVM's {@code java.version}
 * @param workerClass the class name of the {@code WKRHardWorker}
 * @param state the name of the server's {@code WKRServer.State}
 * @param ready serving: {@code READY}, every worker loaded once, and at least one able to run a
 *     batch now
 * @param port the bound {@code port_in}
 * @param portOut the bound {@code port_out}
 * @param httpPort the bound HTTP port, null without HTTP
 * @param heapMaxBytes the JVM's maximum heap
 * @param serverStartTime when the server became ready (ISO-8601 UTC on the wire)
 * @param serverCurrentTime when this snapshot was taken (ISO-8601 UTC on the wire)
 * @param uptimeSeconds seconds since {@code serverStartTime}
 */
public record ServerInfo(
        Protocol protocol,
        String serverVersion,
        String wkrVersion,
        String javaVersion,
        String workerClass,
        String state,
        boolean ready,
        int port,
        int portOut,
        Integer httpPort,
        long heapMaxBytes,
        Instant serverStartTime,
        Instant serverCurrentTime,
        double uptimeSeconds) {

    public ServerInfo {
        Objects.requireNonNull(protocol, "protocol == null");
        Objects.requireNonNull(serverVersion, "serverVersion == null");
        Objects.requireNonNull(wkrVersion, "wkrVersion == null");
        Objects.requireNonNull(workerClass, "workerClass == null");
        Objects.requireNonNull(state, "state == null");
        Objects.requireNonNull(serverStartTime, "serverStartTime == null");
        Objects.requireNonNull(serverCurrentTime, "serverCurrentTime == null");
    }
}

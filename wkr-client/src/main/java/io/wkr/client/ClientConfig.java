package io.wkr.client;

import io.wkr.protocol.Protocol;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;

/**
 * Options of a {@link WKRClient}, named after the original Python client's.
 *
 * @param ip server host
 * @param port the server's {@code port_in}
 * @param portOut the server's {@code port_out}
 * @param identity topic this client's replies are published under. Clients may share an identity,
 *     but they do not share results: every client subscribed to it receives every reply published
 *     under it, and each completes only the requests it sent itself, because request ids are
 *     unique to each connection (a random 64-bit nonce and a counter) and a reply to an id the
 *     connection did not issue is dropped. Sharing one only costs the bandwidth of the replies each
 *     client receives and drops. For the same reason an identity should not be a prefix of another
 *     client's (SUB filtering is a prefix match)
 * @param timeout how long a call waits for its reply; also sent to the server as the request's
 *     deadline, so a request nobody waits for any more is never run. Longer than {@link
 *     #MAX_TIMEOUT} (about 146 years) saturates to it, which the server reads as no deadline
 * @param protocol must match the server's {@code -protocol}
 * @param objClasses classes the {@code obj} protocol may carry, in the server worker's order
 * @param checkVersion refuse a server whose major wkr version ({@code wkr_version}) differs; for an
 *     original Python server, one whose {@code server_version} is not {@code 2.x}
 * @param ignoreAllChecks skip the protocol and version checks (the connection handshake that
 *     protects the first reply still runs)
 */
public record ClientConfig(
        String ip,
        int port,
        int portOut,
        String identity,
        Duration timeout,
        Protocol protocol,
        List<Class<?>> objClasses,
        boolean checkVersion,
        boolean ignoreAllChecks) {

    /**
     * The longest timeout: 2^62 nanoseconds, about 146 years. Deadlines are {@code
     * System.nanoTime() + timeout}, compared by difference, which stays exact up to 2^63.
     */
    public static final Duration MAX_TIMEOUT = Duration.ofNanos(1L << 62);

    public ClientConfig {
        Objects.requireNonNull(ip, "ip == null");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("port not in 1..65535: " + port);
        if (portOut < 1 || portOut > 65535) throw new IllegalArgumentException("portOut not in 1..65535: " + portOut);
        Objects.requireNonNull(identity, "identity == null");
        if (identity.isEmpty()) throw new IllegalArgumentException("identity is empty");
        Objects.requireNonNull(timeout, "timeout == null");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("timeout <= 0: " + timeout);
        if (timeout.compareTo(MAX_TIMEOUT) > 0) timeout = MAX_TIMEOUT;
        Objects.requireNonNull(protocol, "protocol == null");
        objClasses = List.copyOf(objClasses);
    }

    public static Builder builder(String ip, int port, int portOut) {
        return new Builder(ip, port, portOut);
    }

    public Builder toBuilder() {
        return new Builder(ip, port, portOut).identity(identity).timeout(timeout).protocol(protocol)
                .objClasses(objClasses).checkVersion(checkVersion).ignoreAllChecks(ignoreAllChecks);
    }

    /** Builder; defaults: random identity, 60 s timeout, {@code obj} protocol, checks on. */
    public static final class Builder {
        private final String ip;
        private final int port;
        private final int portOut;
        private String identity;
        private Duration timeout = Duration.ofSeconds(60);
        private Protocol protocol = Protocol.OBJ;
        private List<Class<?>> objClasses = List.of();
        private boolean checkVersion = true;
        private boolean ignoreAllChecks;

        Builder(String ip, int port, int portOut) {
            this.ip = ip;
            this.port = port;
            this.portOut = portOut;
        }

        public Builder identity(String v) { identity = v; return this; }
        public Builder timeout(Duration v) { timeout = v; return this; }
        public Builder protocol(Protocol v) { protocol = v; return this; }
        public Builder objClasses(List<Class<?>> v) { objClasses = v; return this; }
        public Builder checkVersion(boolean v) { checkVersion = v; return this; }
        public Builder ignoreAllChecks(boolean v) { ignoreAllChecks = v; return this; }

        public ClientConfig build() {
            return new ClientConfig(ip, port, portOut, identity != null ? identity : UUID.randomUUID().toString(),
                    timeout, protocol, objClasses, checkVersion, ignoreAllChecks);
        }
    }
}

package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import io.wkr.decentral.internal.JsonDocuments;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * Where Redis is and how to log in. The password is never shown: {@link #toString()} and {@link
 * #describe()} show {@code ***} in its place, so configs can be logged and shown in status.
 *
 * @param host Redis host
 * @param port Redis port (the TLS port when {@code tls})
 * @param user ACL user name, {@code null} for the default user
 * @param password password ({@code requirepass} or the ACL user's), {@code null} for none
 * @param database database index ({@code SELECT}), 0..
 * @param tls connect with TLS
 * @param tlsCaFile PEM file with the CA certificate(s) to trust; {@code null}: the JVM's trust
 *     store
 * @param tlsInsecure with TLS, trust any certificate and skip host name checks (testing only)
 * @param timeout connect and read timeout of a Redis command
 */
public record RedisConfig(
        String host,
        int port,
        String user,
        String password,
        int database,
        boolean tls,
        Path tlsCaFile,
        boolean tlsInsecure,
        Duration timeout) {

    public RedisConfig {
        Objects.requireNonNull(host, "host == null");
        if (port < 1 || port > 65535) throw new IllegalArgumentException("redis port not in 1..65535: " + port);
        if (database < 0) throw new IllegalArgumentException("redis database < 0: " + database);
        if (password != null && password.isEmpty()) password = null;
        if (user != null && user.isEmpty()) user = null;
        Objects.requireNonNull(timeout, "timeout == null");
        if (timeout.isNegative() || timeout.isZero()) throw new IllegalArgumentException("redis timeout <= 0: " + timeout);
        if (!tls && (tlsCaFile != null || tlsInsecure)) {
            throw new IllegalArgumentException("a TLS option was given without TLS");
        }
    }

    /** {@code localhost:6379}, database 0, no password, no TLS, 5 s timeout. */
    public static RedisConfig localhost() {
        return of("localhost", 6379);
    }

    /** A plain connection to {@code host:port}, database 0, no password, no TLS, 5 s timeout. */
    public static RedisConfig of(String host, int port) {
        return new RedisConfig(host, port, null, null, 0, false, null, false, Duration.ofSeconds(5));
    }

    public RedisConfig withPassword(String v) {
        return new RedisConfig(host, port, user, v, database, tls, tlsCaFile, tlsInsecure, timeout);
    }

    public RedisConfig withUser(String v) {
        return new RedisConfig(host, port, v, password, database, tls, tlsCaFile, tlsInsecure, timeout);
    }

    public RedisConfig withDatabase(int v) {
        return new RedisConfig(host, port, user, password, v, tls, tlsCaFile, tlsInsecure, timeout);
    }

    /** TLS on, trusting the CA certificates in {@code caFile} (PEM; {@code null}: the JVM's). */
    public RedisConfig withTls(Path caFile) {
        return new RedisConfig(host, port, user, password, database, true, caFile, false, timeout);
    }

    /** TLS on without any certificate or host name check: for tests against self-signed servers. */
    public RedisConfig withInsecureTls() {
        return new RedisConfig(host, port, user, password, database, true, null, true, timeout);
    }

    public RedisConfig withTimeout(Duration v) {
        return new RedisConfig(host, port, user, password, database, tls, tlsCaFile, tlsInsecure, v);
    }

    /** The settings as the central's status shows them ({@code config.redis}): the password only as set or not. */
    public Description describe() {
        return new Description(host, port, database, user, password == null ? null : "***", tls,
                tls ? new Description.Tls(tlsCaFile == null ? null : tlsCaFile.toString(), tlsInsecure) : null,
                timeout.toMillis());
    }

    /**
     * The Redis settings in the status document; the JSON keys are the component names or their
     * {@code @JsonProperty}.
     *
     * @param password {@code ***} when one is set, else {@code null}: never the password
     * @param tlsOptions the TLS settings, written as keys of this object ({@code tls_ca_file},
     *     {@code tls_insecure}) and only with TLS on
     */
    public record Description(
            String host,
            int port,
            int database,
            String user,
            String password,
            boolean tls,
            @JsonUnwrapped Tls tlsOptions,
            @JsonProperty("timeout_ms") long timeoutMillis) {

        /** TLS settings: the CA file ({@code null}: the JVM's trust store) and whether checks are off. */
        public record Tls(@JsonProperty("tls_ca_file") String caFile, @JsonProperty("tls_insecure") boolean insecure) {}
    }

    @Override
    public String toString() {
        return "RedisConfig" + JsonDocuments.writeString(describe());
    }
}

package io.wkr.decentral.redis;

import io.wkr.decentral.RedisConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import redis.clients.jedis.Connection;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;

/**
 * Opens Jedis clients from a {@link RedisConfig}: password, ACL user, database index and TLS
 * (trusting a PEM CA file, the JVM's trust store, or anything when insecure) are all applied. A
 * {@link RedisClient} is a thread-safe pool; close it when done.
 */
public final class RedisClients {
    /** Longest {@code BLOCK} a blocking read may use; the socket waits this much longer. */
    static final int BLOCK_MARGIN_MILLIS = 5_000;

    private RedisClients() {}

    /**
     * A pooled client for {@code config} with at most {@code maxConnections} connections. Nothing
     * is connected until the first command.
     *
     * @param validate check a pooled connection ({@code PING}) before each use, so that
     *     connections broken by a Redis restart are replaced instead of failing a command (one
     *     more round trip per use)
     * @throws IllegalArgumentException when the TLS CA file cannot be read or parsed
     */
    public static RedisClient create(RedisConfig config, int maxConnections, boolean validate) {
        int timeout = (int) Math.min(Integer.MAX_VALUE, config.timeout().toMillis());
        DefaultJedisClientConfig.Builder b = DefaultJedisClientConfig.builder()
                .connectionTimeoutMillis(timeout)
                .socketTimeoutMillis(timeout)
                .blockingSocketTimeoutMillis(timeout + BLOCK_MARGIN_MILLIS)
                .database(config.database())
                .clientName("wkr-decentral");
        if (config.user() != null) b.user(config.user());
        if (config.password() != null) b.password(config.password());
        if (config.tls()) {
            b.ssl(true).sslSocketFactory(socketFactory(config));
            if (config.tlsInsecure()) {
                b.hostnameVerifier((host, session) -> true);
            } else {
                SSLParameters p = new SSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                b.sslParameters(p);
            }
        }
        GenericObjectPoolConfig<Connection> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(maxConnections);
        pool.setMaxIdle(maxConnections);
        pool.setMinIdle(0);
        pool.setTestOnBorrow(validate);
        pool.setJmxEnabled(false);
        return RedisClient.builder().hostAndPort(config.host(), config.port()).clientConfig(b.build())
                .poolConfig(pool).build();
    }

    /** A client with up to 4 connections, each checked before use. */
    public static RedisClient create(RedisConfig config) {
        return create(config, 4, true);
    }

    private static SSLSocketFactory socketFactory(RedisConfig config) {
        try {
            SSLContext ssl = SSLContext.getInstance("TLS");
            if (config.tlsInsecure()) {
                ssl.init(null, new TrustManager[] {new TrustAll()}, null);
            } else if (config.tlsCaFile() != null) {
                ssl.init(null, trustManagers(config), null);
            } else {
                ssl.init(null, null, null);
            }
            return ssl.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot set up TLS for Redis: " + e.getMessage(), e);
        }
    }

    private static TrustManager[] trustManagers(RedisConfig config) throws GeneralSecurityException {
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(config.tlsCaFile())) {
            certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the Redis TLS CA file " + config.tlsCaFile(), e);
        }
        if (certs.isEmpty()) {
            throw new IllegalArgumentException("no PEM certificate in the Redis TLS CA file " + config.tlsCaFile());
        }
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        try {
            store.load(null, null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        int i = 0;
        for (Certificate c : certs) store.setCertificateEntry("ca-" + i++, c);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(store);
        return tmf.getTrustManagers();
    }

    /** Trusts every certificate: only for {@code tlsInsecure}. */
    private static final class TrustAll implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}

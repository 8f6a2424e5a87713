package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.RedisConfig;
import io.wkr.decentral.WKRDecentralizeCentral;
import io.wkr.decentral.internal.JsonDocuments;
import io.wkr.decentral.testing.Cluster;
import io.wkr.decentral.testing.RedisServer;
import io.wkr.decentral.testing.SelfSignedCert;
import io.wkr.decentral.testing.TestWorker;
import io.wkr.server.WKRServer;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.exceptions.JedisException;

/** Jobs through a TLS-only, password-protected Redis, trusting its certificate from a PEM file. */
@Timeout(60)
class RedisTlsTest {
    @TempDir Path dir;

    @Test
    void shouldRunJobsOverTlsWithAPasswordAndTheServersCertificate() throws Exception {
        SelfSignedCert cert = SelfSignedCert.create(dir.resolve("tls"));
        try (RedisServer redis = RedisServer.startTls(dir.resolve("redis"), cert.cert(), cert.key(), "tls-pw")) {
            RedisConfig config = RedisConfig.of("127.0.0.1", redis.port()).withPassword("tls-pw").withTls(cert.cert())
                    .withTimeout(Duration.ofSeconds(3));
            JobsConfig jobs = Cluster.jobs().build();
            WKRServer server = Cluster.server(dir.resolve("s1"), new TestWorker.Controls());
            WKRDecentralizeCentral central = new WKRDecentralizeCentral(
                    Cluster.central(redis, jobs, server).redis(config).build(), JobUnit::new);
            try (JobQueue queue = new JobQueue(config, jobs)) {
                central.start();
                assertThat(queue.result(queue.submit("over tls"), Duration.ofSeconds(30))).isEqualTo("over tls");
                assertThat(central.status().toString()).doesNotContain("tls-pw");
                assertThat(JsonDocuments.writeString(central.status())).doesNotContain("tls-pw").contains("\"password\":\"***\"");
            } finally {
                central.close();
                server.close();
            }
            RedisConfig plain = RedisConfig.of("127.0.0.1", redis.port()).withPassword("tls-pw")
                    .withTimeout(Duration.ofSeconds(2));
            assertThatThrownBy(() -> new JobQueue(plain, jobs).close()).isInstanceOf(JedisException.class);
            RedisConfig untrusted = plain.withTls(null);
            assertThatThrownBy(() -> new JobQueue(untrusted, jobs).close()).as("a self-signed certificate is not trusted")
                    .isInstanceOf(JedisException.class);
            try (JobQueue insecure = new JobQueue(plain.withInsecureTls(), jobs)) {
                assertThat(insecure.stats().stream()).isEqualTo("wkr:jobs");
            }
        }
    }
}

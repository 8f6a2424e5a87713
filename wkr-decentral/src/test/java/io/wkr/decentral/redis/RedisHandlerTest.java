package io.wkr.decentral.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.decentral.testing.RedisServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.DefaultJedisClientConfig;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.exceptions.JedisException;

/** The original's queue helper: FIFO, database index and password honoured. */
@Timeout(60)
class RedisHandlerTest {
    @TempDir Path dir;

    @Test
    void shouldPopInTheOrderPushedFromTheGivenDatabaseWithThePassword() throws Exception {
        try (RedisServer redis = RedisServer.start(dir, List.of("--save", "", "--appendonly", "no"), "pw-123");
                RedisHandler q = new RedisHandler("texts", redis.host(), redis.port(), 3, "pw-123")) {
            q.push(Map.of("id", 1, "text", "first"));
            q.push(Map.of("id", 2, "text", "second"));
            q.push(Map.of("id", 3), "other");
            assertThat(q.size()).isEqualTo(2);
            assertThat(q.pop()).containsEntry("id", 1L).containsEntry("text", "first");
            assertThat(q.pop()).containsEntry("id", 2L);
            assertThat(q.pop()).isNull();
            assertThat(q.pop("other")).containsEntry("id", 3L);
            q.set("answer", "42");
            assertThat(q.get("answer")).isEqualTo("42");

            try (RedisClient raw = RedisClient.builder().hostAndPort(redis.host(), redis.port())
                    .clientConfig(DefaultJedisClientConfig.builder().password("pw-123").database(3).build())
                    .build()) {
                assertThat(raw.get("answer")).as("written to database 3").isEqualTo("42");
                raw.rpush("texts", "{\"id\":9}");
            }
            try (RedisClient db0 = RedisClient.builder().hostAndPort(redis.host(), redis.port())
                    .clientConfig(DefaultJedisClientConfig.builder().password("pw-123").build()).build()) {
                assertThat(db0.get("answer")).as("not in database 0").isNull();
            }
            assertThat(q.pop(Duration.ofSeconds(5))).containsEntry("id", 9L);
            long t0 = System.nanoTime();
            assertThat(q.pop(Duration.ofMillis(300))).isNull();
            assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(250_000_000L);
        }
    }

    @Test
    void shouldRefuseAWrongPassword() throws Exception {
        try (RedisServer redis = RedisServer.start(dir, List.of("--save", "", "--appendonly", "no"), "pw-123");
                RedisHandler q = new RedisHandler("texts", redis.host(), redis.port(), 0, "wrong")) {
            assertThatThrownBy(() -> q.push(Map.of("a", 1))).isInstanceOf(JedisException.class)
                    .satisfies(e -> assertThat(String.valueOf(e.getMessage()) + e.getCause()).doesNotContain("wrong"));
        }
    }
}

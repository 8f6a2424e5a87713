package io.wkr.decentral.redis;

import io.wkr.decentral.RedisConfig;
import io.wkr.decentral.internal.JsonDocuments;
import io.wkr.protocol.Wire;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.util.KeyValue;

/**
 * The original's simple queue helper, fixed: a FIFO list of JSON objects ({@code RPUSH} to the
 * tail, {@code LPOP} from the head; the original popped from the tail, so the newest job ran
 * first), with the database index and password honoured (the original ignored {@code db}).
 *
 * <pre>{@code
 * try (RedisHandler q = new RedisHandler("texts", "localhost", 6379, 0, null)) {
 *     q.push(Map.of("id", 1, "text", "hello"));
 *     Map<String, Object> job = q.pop();        // {"id": 1, "text": "hello"}, or null when empty
 * }
 * }</pre>
 *
 * <p>Like the original it is a plain list: a job popped by a process that then dies is lost.
 * For at-least-once delivery, retries and dead letters use {@link JobQueue} and {@link JobUnit}.
 * Thread-safe.
 */
public final class RedisHandler implements AutoCloseable {
    private final String queueKey;
    private final RedisClient redis;

    /** The original's constructor: {@code RedisHandler(queue_key, ip, port, db=0, password=None)}. */
    public RedisHandler(String queueKey, String ip, int port, int db, String password) {
        this(queueKey, RedisConfig.of(ip, port).withDatabase(db).withPassword(password));
    }

    public RedisHandler(String queueKey, String ip, int port) {
        this(queueKey, ip, port, 0, null);
    }

    /** With every connection option (TLS, user, timeout) of {@code config}. */
    public RedisHandler(String queueKey, RedisConfig config) {
        this.queueKey = Objects.requireNonNull(queueKey, "queueKey == null");
        this.redis = RedisClients.create(Objects.requireNonNull(config, "config == null"));
    }

    public String queueKey() {
        return queueKey;
    }

    /** Appends {@code data} (as a JSON object) to the tail of the queue. */
    public void push(Map<String, ?> data) {
        push(data, null);
    }

    /** Appends {@code data} to {@code customQueue} (the default queue when null). */
    public void push(Map<String, ?> data, String customQueue) {
        Objects.requireNonNull(data, "data == null");
        if (!Payloads.jsonable(data, 0)) throw new IllegalArgumentException("data is not a JSON object: " + data);
        redis.rpush(queue(customQueue), JsonDocuments.writeString(data));
    }

    /** Takes the oldest entry of the queue, or returns {@code null} when it is empty. */
    public Map<String, Object> pop() {
        return pop((String) null);
    }

    /** Takes the oldest entry of {@code customQueue} (the default queue when null), or {@code null}. */
    public Map<String, Object> pop(String customQueue) {
        return parse(redis.lpop(queue(customQueue)));
    }

    /** Takes the oldest entry, waiting up to {@code timeout} for one; {@code null} if none came. */
    public Map<String, Object> pop(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        do {
            // Slices of at most 1 s: the socket's read timeout stays above the block.
            long left = Math.min(1000, Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
            KeyValue<String, String> kv = redis.blpop(left / 1000.0, queueKey);
            if (kv != null) return parse(kv.getValue());
        } while (System.nanoTime() < deadline);
        return null;
    }

    /** {@code SET key data}. */
    public void set(String key, String data) {
        redis.set(key, data);
    }

    /** {@code GET key}, or {@code null}. */
    public String get(String key) {
        return redis.get(key);
    }

    /** Entries waiting in the queue. */
    public long size() {
        return redis.llen(queueKey);
    }

    private String queue(String custom) {
        return custom == null ? queueKey : custom;
    }

    /**
     * A queue entry as plain Java values (numbers as {@code Long}/{@code Double}, see {@link
     * JsonDocuments#readValue}).
     *
     * @throws IllegalArgumentException when the entry is not JSON within 64 MiB
     * @throws IllegalStateException when it is JSON but no object
     */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> parse(String json) {
        if (json == null) return null;
        Object v = JsonDocuments.readValue(json.getBytes(StandardCharsets.UTF_8), JsonDocuments.LARGE);
        if (!(v instanceof Map)) {
            throw new IllegalStateException("queue entry is not a JSON object: " + Wire.preview(json, 200));
        }
        return (Map<String, Object>) v;
    }

    @Override
    public void close() {
        redis.close();
    }
}

package io.wkr.decentral.redis;

import static io.wkr.decentral.redis.Payloads.ascii;

import io.wkr.decentral.JobsConfig;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.exceptions.JedisDataException;
import redis.clients.jedis.params.SetParams;
import redis.clients.jedis.params.XAutoClaimParams;
import redis.clients.jedis.params.XClaimParams;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.params.XReadGroupParams;
import redis.clients.jedis.resps.StreamConsumerInfo;
import redis.clients.jedis.resps.StreamEntryBinary;
import redis.clients.jedis.resps.StreamPendingEntry;

/**
 * The Redis side of one {@link JobUnit}: reads jobs with the consumer group (new ones, its own
 * pending ones after a restart, and idle ones of units that went quiet), finishes them (result
 * stored if absent, then acknowledged and deleted, in one script), schedules retries, releases
 * and renews them. Every call is one round trip. Used by one unit thread.
 */
final class JobStore {
    /**
     * Stores the outcome unless one is there, adds a dead letter when asked (only if this call
     * stored the outcome, so a job is dead-lettered at most once), then acknowledges and deletes
     * the entry and its last error. A failing SET stops the script before the XACK.
     * KEYS: stream, result key, dead stream, error key. ARGV: group, id, ttl ms, outcome,
     * dead-letter max length ("0": not a dead letter), dead-letter fields...
     */
    static final byte[] FINISH = ascii("""
            local stored = redis.call('SET', KEYS[2], ARGV[4], 'NX', 'PX', ARGV[3])
            if stored and ARGV[5] ~= '0' then
              redis.call('XADD', KEYS[3], 'MAXLEN', '~', ARGV[5], '*', unpack(ARGV, 6))
            end
            redis.call('XACK', KEYS[1], ARGV[1], ARGV[2])
            redis.call('XDEL', KEYS[1], ARGV[2])
            redis.call('DEL', KEYS[4])
            if stored then return 1 else return 0 end
            """);

    /**
     * Deletes a consumer only if it has nothing pending, atomically: deleting a consumer drops its
     * pending entries, which would lose their jobs. KEYS: stream. ARGV: group, consumer.
     */
    static final String FORGET_CONSUMER = """
            if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) == 0 then
              return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
            end
            return -1
            """;

    private final RedisClient redis;
    private final JobsConfig jobs;
    private final String consumer;
    private final byte[] stream;
    private final byte[] group;
    private final byte[] consumerBytes;
    private final byte[] deadStream;
    private String reclaimCursor = "0-0";
    private String historyCursor = "0-0";
    private boolean historyDone;

    JobStore(RedisClient redis, JobsConfig jobs, String consumer) {
        this.redis = redis;
        this.jobs = jobs;
        this.consumer = consumer;
        this.stream = ascii(jobs.stream());
        this.group = ascii(jobs.group());
        this.consumerBytes = ascii(consumer);
        this.deadStream = ascii(jobs.deadStream());
    }

    /** Creates the stream and the group (reading from the start) unless they exist. */
    static void ensureGroup(RedisClient redis, JobsConfig jobs) {
        try {
            redis.xgroupCreate(jobs.stream(), jobs.group(), new StreamEntryID(0, 0), true);
        } catch (JedisDataException e) {
            if (e.getMessage() == null || !e.getMessage().startsWith("BUSYGROUP")) throw e;
        }
    }

    /**
     * The next jobs for this unit, at most {@code count}: first what it still had pending from an
     * earlier life (same consumer name), then never-delivered ones, waiting up to {@code
     * blockMillis} (0: not at all) for one.
     */
    List<Job> read(int count, int blockMillis) {
        if (!historyDone) {
            List<Job> mine = readHistory(count);
            if (!mine.isEmpty()) return mine;
            historyDone = true;
        }
        XReadGroupParams p = XReadGroupParams.xReadGroupParams().count(count);
        if (blockMillis > 0) p.block(blockMillis);
        List<Map.Entry<byte[], List<StreamEntryBinary>>> got;
        try {
            got = redis.xreadGroupBinary(group, consumerBytes, p, Map.of(stream, StreamEntryID.XREADGROUP_UNDELIVERED_ENTRY));
        } catch (JedisDataException e) {
            if (!lostGroup(e)) throw e;
            ensureGroup(redis, jobs); // Redis lost the stream (restarted without persistence, deleted): start over
            return List.of();
        }
        List<Job> out = new ArrayList<>();
        if (got == null) return out;
        for (Map.Entry<byte[], List<StreamEntryBinary>> e : got) {
            for (StreamEntryBinary se : e.getValue()) out.add(new Job(se.getID().toString(), fields(se.getFields()), 1));
        }
        return out;
    }

    private List<Job> readHistory(int count) {
        XReadGroupParams p = XReadGroupParams.xReadGroupParams().count(count);
        List<Map.Entry<byte[], List<StreamEntryBinary>>> got;
        try {
            got = redis.xreadGroupBinary(group, consumerBytes, p, Map.of(stream, new StreamEntryID(historyCursor)));
        } catch (JedisDataException e) {
            if (!lostGroup(e)) throw e;
            ensureGroup(redis, jobs);
            return List.of();
        }
        List<String> ids = new ArrayList<>();
        Map<String, Map<String, byte[]>> byId = new LinkedHashMap<>();
        if (got != null) {
            for (Map.Entry<byte[], List<StreamEntryBinary>> e : got) {
                for (StreamEntryBinary se : e.getValue()) {
                    String id = se.getID().toString();
                    ids.add(id);
                    byId.put(id, fields(se.getFields()));
                    historyCursor = id;
                }
            }
        }
        return withDeliveries(byId);
    }

    /**
     * Takes over at most {@code count} jobs that were delivered to some unit and have shown no
     * sign of life for the visibility timeout (their unit died, or a retry's backoff is over).
     */
    List<Job> reclaim(int count) {
        List<Object> raw;
        try {
            raw = redis.xautoclaim(stream, group, consumerBytes, jobs.visibilityTimeout().toMillis(),
                    ascii(reclaimCursor), XAutoClaimParams.xAutoClaimParams().count(count));
        } catch (JedisDataException e) {
            if (!lostGroup(e)) throw e;
            ensureGroup(redis, jobs);
            return List.of();
        }
        // [next cursor, [[id, [field, value, ...] or nil], ...], [deleted ids]]
        reclaimCursor = text(raw.get(0));
        Map<String, Map<String, byte[]>> byId = new LinkedHashMap<>();
        for (Object o : (List<?>) raw.get(1)) {
            List<?> entry = (List<?>) o;
            byId.put(text(entry.get(0)), entry.get(1) == null ? null : fields((List<?>) entry.get(1)));
        }
        return withDeliveries(byId);
    }

    /** The stream or the group is gone (NOGROUP), or was deleted while a read waited (UNBLOCKED). */
    private static boolean lostGroup(JedisDataException e) {
        String m = e.getMessage();
        return m != null && (m.startsWith("NOGROUP") || m.startsWith("UNBLOCKED"));
    }

    /** True when the last reclaim scan went through the whole pending list. */
    boolean reclaimScanComplete() {
        return "0-0".equals(reclaimCursor);
    }

    /** Jobs for these claimed entries, each with its delivery count from XPENDING. */
    private List<Job> withDeliveries(Map<String, Map<String, byte[]>> byId) {
        if (byId.isEmpty()) return List.of();
        String first = byId.keySet().iterator().next();
        String last = first;
        for (String id : byId.keySet()) last = id;
        Map<String, Long> counts = new HashMap<>();
        XPendingParams p = XPendingParams.xPendingParams(first, last, byId.size() + jobs.maxInFlight() + 16)
                .consumer(consumer);
        for (StreamPendingEntry pe : redis.xpending(jobs.stream(), jobs.group(), p)) {
            counts.put(pe.getID().toString(), pe.getDeliveredTimes());
        }
        List<Job> out = new ArrayList<>(byId.size());
        byId.forEach((id, f) -> out.add(new Job(id, f, counts.getOrDefault(id, 1L))));
        return out;
    }

    /** One job to finish: its outcome, and the dead-letter fields when it failed for good. */
    record Finish(Job job, byte[] outcome, Map<String, byte[]> deadLetter) {}

    /** Runs {@link #FINISH} for each; returns for each whether this call stored its outcome. */
    List<Boolean> finish(List<Finish> list) {
        List<Response<Object>> responses = new ArrayList<>(list.size());
        byte[] ttl = ascii(Long.toString(jobs.resultTtl().toMillis()));
        byte[] deadMax = ascii(Long.toString(jobs.deadLetterMaxLen()));
        try (AbstractPipeline p = redis.pipelined()) {
            for (Finish f : list) {
                String id = f.job().id();
                List<byte[]> keys = List.of(stream, ascii(jobs.resultKey(id)), deadStream, ascii(jobs.errorKey(id)));
                List<byte[]> args = new ArrayList<>();
                args.add(group);
                args.add(ascii(id));
                args.add(ttl);
                args.add(f.outcome());
                if (f.deadLetter() == null) {
                    args.add(ascii("0"));
                } else {
                    args.add(deadMax);
                    f.deadLetter().forEach((k, v) -> {
                        args.add(ascii(k));
                        args.add(v);
                    });
                }
                responses.add(p.eval(FINISH, keys, args));
            }
            p.sync();
        }
        List<Boolean> stored = new ArrayList<>(list.size());
        for (Response<Object> r : responses) stored.add(Long.valueOf(1).equals(r.get()));
        return stored;
    }

    /**
     * Keeps {@code job} pending but makes it claimable by any unit after {@code delay}: the next
     * delivery. With an {@code error} the failure is recorded (and the delivery counts); without,
     * the delivery is not counted (the server was unavailable, not the job's fault).
     */
    void retryLater(List<Job> list, java.util.function.ToLongFunction<Job> delayMillis,
            java.util.function.Function<Job, String> error) {
        if (list.isEmpty()) return;
        long vt = jobs.visibilityTimeout().toMillis();
        try (AbstractPipeline p = redis.pipelined()) {
            for (Job job : list) {
                String e = error.apply(job);
                long idle = Math.max(0, vt - Math.max(0, delayMillis.applyAsLong(job)));
                XClaimParams params = XClaimParams.xClaimParams().idle(idle);
                if (e == null) {
                    params.retryCount((int) Math.max(0, job.deliveries() - 1));
                } else {
                    p.set(jobs.errorKey(job.id()), e, SetParams.setParams()
                            .px(jobs.resultTtl().toMillis()));
                }
                p.xclaimJustId(jobs.stream(), jobs.group(), consumer, 0, params, new StreamEntryID(job.id()));
            }
            p.sync();
        }
    }

    /** Acknowledges (and deletes) jobs that another delivery already finished; stores nothing. */
    void ack(List<Job> list) {
        if (list.isEmpty()) return;
        try (AbstractPipeline p = redis.pipelined()) {
            for (Job j : list) {
                StreamEntryID id = new StreamEntryID(j.id());
                p.xack(jobs.stream(), jobs.group(), id);
                p.xdel(jobs.stream(), id);
                p.del(jobs.errorKey(j.id()));
            }
            p.sync();
        }
    }

    /** Renews the visibility of jobs this unit is still working on. */
    void touch(Collection<String> ids) {
        if (ids.isEmpty()) return;
        StreamEntryID[] sids = ids.stream().map(StreamEntryID::new).toArray(StreamEntryID[]::new);
        redis.xclaimJustId(jobs.stream(), jobs.group(), consumer, 0, XClaimParams.xClaimParams(), sids);
    }

    /** Which of these jobs already have a stored outcome (a duplicate delivery). */
    List<Boolean> haveOutcome(List<Job> list) {
        List<Response<Boolean>> rs = new ArrayList<>(list.size());
        try (AbstractPipeline p = redis.pipelined()) {
            for (Job j : list) rs.add(p.exists(jobs.resultKey(j.id())));
            p.sync();
        }
        return rs.stream().map(Response::get).toList();
    }

    /** The last recorded error of a job, or {@code null}. */
    String lastError(String id) {
        return redis.get(jobs.errorKey(id));
    }

    /** Deletes this consumer from the group when it has nothing pending (a clean stop). */
    void forgetConsumerIfIdle() {
        forget(consumer);
    }

    private boolean forget(String name) {
        Object r = redis.eval(FORGET_CONSUMER, List.of(jobs.stream()), List.of(jobs.group(), name));
        return r instanceof Long n && n >= 0;
    }

    /**
     * Deletes consumers of the group that have nothing pending and have not read for {@code
     * quiet}: units of processes that died (a live unit reads at least every half second).
     * Returns how many were deleted.
     */
    int forgetQuietConsumers(Duration quiet) {
        int n = 0;
        for (StreamConsumerInfo c : redis.xinfoConsumers2(jobs.stream(), jobs.group())) {
            if (c.getPending() == 0 && c.getIdle() > quiet.toMillis() && !c.getName().equals(consumer)) {
                if (forget(c.getName())) n++;
            }
        }
        return n;
    }

    private static Map<String, byte[]> fields(Map<byte[], byte[]> raw) {
        if (raw == null) return null;
        Map<String, byte[]> m = new HashMap<>();
        raw.forEach((k, v) -> m.put(new String(k, StandardCharsets.UTF_8), v));
        return m;
    }

    private static Map<String, byte[]> fields(List<?> flat) {
        Map<String, byte[]> m = new HashMap<>();
        for (int i = 0; i + 1 < flat.size(); i += 2) m.put(text(flat.get(i)), (byte[]) flat.get(i + 1));
        return m;
    }

    private static String text(Object o) {
        return o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : String.valueOf(o);
    }
}

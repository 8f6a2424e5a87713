package io.wkr.decentral.redis;

import static io.wkr.decentral.redis.Payloads.ascii;

import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.RedisConfig;
import io.wkr.protocol.OverloadedException;
import io.wkr.protocol.RequestTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.locks.LockSupport;
import redis.clients.jedis.AbstractPipeline;
import redis.clients.jedis.RedisClient;
import redis.clients.jedis.Response;
import redis.clients.jedis.StreamEntryID;
import redis.clients.jedis.params.XPendingParams;
import redis.clients.jedis.resps.StreamGroupInfo;
import redis.clients.jedis.resps.StreamPendingEntry;
import redis.clients.jedis.resps.StreamPendingSummary;

/**
 * The producer side of the job pipeline: submit payloads, ask how a job is doing, wait for its
 * result. Like Celery's {@code delay} / {@code ready} / {@code get}.
 *
 * <pre>{@code
 * try (JobQueue jobs = new JobQueue(RedisConfig.of("localhost", 6379), JobsConfig.defaults())) {
 *     String id = jobs.submit("hello");                      // -> "1718000000000-0"
 *     Object out = jobs.result(id, Duration.ofSeconds(30));  // what the server's worker returned
 *     JobStatus s = jobs.status(id);                         // DONE, deliveries 1, ...
 * }
 * }</pre>
 *
 * <p>Payloads: a {@code byte[]}, a {@code String}, an {@link io.wkr.protocol.Tensor}, or a JSON
 * value ({@code Map} with {@code String} keys, {@code List}, {@code Number}, {@code Boolean});
 * the server's worker receives the same kind (JSON as {@code Map}/{@code List}/{@code
 * Long}/{@code Double}/...), and its output comes back as one of the same kinds. A job's id is its
 * Redis stream entry id. Thread-safe (a pool of Redis connections, each checked before use, so a
 * Redis restart costs no failed call once Redis answers again).
 */
public final class JobQueue implements AutoCloseable {
    /** Adds the job unless the stream already holds {@code maxQueued} unfinished jobs. */
    private static final byte[] SUBMIT = ascii("""
            if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[1]) then return false end
            return redis.call('XADD', KEYS[1], '*', unpack(ARGV, 2))
            """);

    private final RedisClient redis;
    private final JobsConfig jobs;
    private final long maxQueued;

    /** Connects with up to 8 connections and creates the stream and group if needed. */
    public JobQueue(RedisConfig redis, JobsConfig jobs) {
        this(redis, jobs, 1_000_000);
    }

    /**
     * @param maxQueued jobs the stream may hold (queued and in flight) before {@link #submit}
     *     refuses more with {@link OverloadedException}
     */
    public JobQueue(RedisConfig redis, JobsConfig jobs, long maxQueued) {
        Objects.requireNonNull(redis, "redis == null");
        this.jobs = Objects.requireNonNull(jobs, "jobs == null");
        if (maxQueued < 1) throw new IllegalArgumentException("maxQueued < 1: " + maxQueued);
        this.maxQueued = maxQueued;
        this.redis = RedisClients.create(redis, 8, true);
        try {
            JobStore.ensureGroup(this.redis, jobs);
        } catch (RuntimeException e) {
            this.redis.close();
            throw e;
        }
    }

    public JobsConfig jobs() {
        return jobs;
    }

    /**
     * Adds a job; returns its id.
     *
     * @throws IllegalArgumentException when the payload is not one of the supported kinds
     * @throws OverloadedException when {@code maxQueued} jobs are waiting
     */
    public String submit(Object payload) {
        return submitAll(List.of(payload)).get(0);
    }

    /** Adds many jobs in one round trip; returns their ids in order. */
    public List<String> submitAll(List<?> payloads) {
        List<List<byte[]>> argLists = new ArrayList<>(payloads.size());
        byte[] max = ascii(Long.toString(maxQueued));
        byte[] now = ascii(Long.toString(System.currentTimeMillis()));
        for (Object payload : payloads) {
            List<byte[]> args = new ArrayList<>();
            args.add(max);
            Payloads.encode(payload).fields().forEach((k, v) -> {
                args.add(ascii(k));
                args.add(v);
            });
            args.add(ascii(Payloads.SUBMITTED));
            args.add(now);
            argLists.add(args);
        }
        List<byte[]> keys = List.of(ascii(jobs.stream()));
        List<Response<Object>> rs = new ArrayList<>(payloads.size());
        try (AbstractPipeline p = redis.pipelined()) {
            for (List<byte[]> args : argLists) rs.add(p.eval(SUBMIT, keys, args));
            p.sync();
        }
        List<String> ids = new ArrayList<>(rs.size());
        int refused = 0;
        for (Response<Object> r : rs) {
            Object v = r.get();
            if (v instanceof byte[] b) {
                ids.add(new String(b, StandardCharsets.US_ASCII));
            } else {
                refused++;
            }
        }
        if (refused > 0) {
            throw new OverloadedException(refused + " of " + payloads.size() + " jobs refused: stream " + jobs.stream()
                    + " holds " + maxQueued + " unfinished jobs (the others were submitted: " + ids + ")");
        }
        return ids;
    }

    /** Where {@code jobId} is now. */
    public JobStatus status(String jobId) {
        StreamEntryID sid = parse(jobId);
        Optional<JobResult> r = poll(jobId);
        if (r.isPresent()) {
            JobResult res = r.get();
            return new JobStatus(jobId, res.state(), res.deliveries(), res.consumer(), res.error());
        }
        List<StreamPendingEntry> pending = redis.xpending(jobs.stream(), jobs.group(),
                XPendingParams.xPendingParams(sid, sid, 1));
        if (!pending.isEmpty()) {
            StreamPendingEntry pe = pending.get(0);
            return new JobStatus(jobId, JobState.RUNNING, pe.getDeliveredTimes(), pe.getConsumerName(),
                    redis.get(jobs.errorKey(jobId)));
        }
        if (!redis.xrange(jobs.stream(), sid, sid, 1).isEmpty()) return new JobStatus(jobId, JobState.QUEUED, 0, null, null);
        return new JobStatus(jobId, JobState.UNKNOWN, 0, null, null);
    }

    /**
     * The stored result of {@code jobId}, if it finished (done or failed).
     *
     * @throws IllegalArgumentException when {@code jobId} is no job id, or what is stored under its
     *     result key is not a result
     */
    public Optional<JobResult> poll(String jobId) {
        parse(jobId);
        byte[] stored = redis.get(ascii(jobs.resultKey(jobId)));
        return stored == null ? Optional.empty() : Optional.of(toResult(jobId, stored));
    }

    /**
     * Waits until {@code jobId} finished; returns its result, done or failed.
     *
     * @throws RequestTimeoutException when it has not finished within {@code timeout}
     */
    public JobResult await(String jobId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long pause = 1_000_000;
        while (true) {
            Optional<JobResult> r = poll(jobId);
            if (r.isPresent()) return r.get();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw new RequestTimeoutException("job " + jobId + " has no result after " + timeout.toMillis() + " ms");
            }
            LockSupport.parkNanos(Math.min(pause, left));
            pause = Math.min(pause * 2, 100_000_000);
        }
    }

    /**
     * Waits for {@code jobId} and returns the server's output.
     *
     * @throws JobFailedException when it ended in the dead-letter stream
     * @throws RequestTimeoutException when it has not finished within {@code timeout}
     */
    public Object result(String jobId, Duration timeout) {
        JobResult r = await(jobId, timeout);
        if (!r.ok()) throw new JobFailedException(jobId, r.error(), r.deliveries());
        return r.value();
    }

    /** The oldest {@code max} entries of the dead-letter stream. */
    public List<DeadLetter> deadLetters(int max) {
        List<Object> raw = redis.xrange(ascii(jobs.deadStream()), ascii("-"), ascii("+"), max);
        List<DeadLetter> out = new ArrayList<>(raw.size());
        for (Object o : raw) {
            List<?> entry = (List<?>) o;
            String entryId = text(entry.get(0));
            Map<String, byte[]> f = new LinkedHashMap<>();
            List<?> flat = (List<?>) entry.get(1);
            for (int i = 0; i + 1 < flat.size(); i += 2) f.put(text(flat.get(i)), (byte[]) flat.get(i + 1));
            DeadLetterEntry letter = DeadLetterEntry.parse(f);
            Object payload;
            try {
                payload = Payloads.decode(letter.payload());
            } catch (Payloads.BadPayload e) {
                payload = letter.payload().get(Payloads.DATA);
            }
            out.add(new DeadLetter(entryId, letter.job(), payload, letter.error(), letter.deliveries(),
                    letter.consumer(), letter.server(), letter.failedMillis()));
        }
        return out;
    }

    /** Jobs in the stream (queued or in flight), in flight, and dead letters; the group's consumers. */
    public QueueStats stats() {
        StreamPendingSummary ps = redis.xpending(jobs.stream(), jobs.group());
        long consumers = 0;
        for (StreamGroupInfo g : redis.xinfoGroups(jobs.stream())) {
            if (jobs.group().equals(g.getName())) consumers = g.getConsumers();
        }
        return new QueueStats(jobs.stream(), redis.xlen(jobs.stream()), ps.getTotal(),
                redis.exists(jobs.deadStream()) ? redis.xlen(jobs.deadStream()) : 0L, consumers);
    }

    /**
     * @throws Payloads.BadPayload when the stored result is malformed (not written by a unit)
     */
    private static JobResult toResult(String jobId, byte[] stored) {
        ResultHeader h = Payloads.header(stored);
        boolean ok = h.status() == ResultHeader.Status.DONE;
        Object value = ok ? Payloads.decode(h.type(), Payloads.body(stored), h.dtype(), h.shape()) : null;
        return new JobResult(jobId, ok ? JobState.DONE : JobState.FAILED, value, h.error(), h.server(), h.consumer(),
                h.deliveries(), h.finishedMillis());
    }

    private static StreamEntryID parse(String jobId) {
        Objects.requireNonNull(jobId, "jobId == null");
        try {
            return new StreamEntryID(jobId);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("not a job id (a stream entry id like 1718000000000-0): " + jobId);
        }
    }

    private static String text(Object o) {
        return o == null ? null : o instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : o.toString();
    }

    @Override
    public void close() {
        redis.close();
    }
}

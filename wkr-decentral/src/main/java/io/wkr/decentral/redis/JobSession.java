package io.wkr.decentral.redis;

import io.wkr.client.WKRClient;
import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.UnitContext;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.OverloadedException;
import io.wkr.protocol.RequestTimeoutException;
import io.wkr.protocol.ShuttingDownException;
import io.wkr.protocol.WKRException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.clients.jedis.RedisClient;

/**
 * One life of a {@link JobUnit}: a Redis client, a {@link WKRClient} to the unit's server, and the
 * jobs in flight between them. Each {@link #round} finishes the jobs whose replies came, renews
 * the visibility of the others, and takes new or reclaimed jobs while fewer than {@code
 * maxInFlight} are in flight. Confined to the unit's thread (replies are handed over through a
 * queue by the client's receiver thread).
 */
final class JobSession implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(JobSession.class);
    private static final long MAX_BLOCK_MILLIS = 500;

    /** The server did not answer or is going away: the unit backs off and connects again. */
    static final class ServerUnavailableException extends WKRException {
        ServerUnavailableException(String message, Throwable cause) {
            super(ErrorCode.TIMEOUT, message, cause);
        }
    }

    private record Reply(Job job, Object output, Throwable error) {}

    /** Replies sorted by what happens to their jobs next. */
    private static final class Sorted {
        final List<JobStore.Finish> finishes = new ArrayList<>();
        final Map<Job, String> failed = new LinkedHashMap<>();
        final List<Job> release = new ArrayList<>();
        final List<Job> timedOut = new ArrayList<>();
        boolean overloaded;
        boolean draining;
    }

    private final UnitContext context;
    private final JobsConfig jobs;
    private final RedisClient redis;
    private final JobStore store;
    private final Outcomes outcomes;
    private final WKRClient client;
    private final String server;
    private final Map<String, Job> inFlight = new LinkedHashMap<>();
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private long nextReclaim = System.nanoTime();
    private long nextHeartbeat = System.nanoTime();
    private long nextJanitor;
    private long pausedUntil = System.nanoTime();
    private long waitMillis = 1;

    /**
     * @param redis this unit's own Redis client; closed by {@link #close}
     * @param client this unit's client to its server; closed by {@link #close}
     * @param consumer the unit's consumer name in the group, the same for every life of its slot
     */
    JobSession(UnitContext context, RedisClient redis, WKRClient client, String consumer) {
        this.context = context;
        this.jobs = context.config().jobs();
        this.redis = redis;
        this.client = client;
        this.server = context.server().address();
        this.store = new JobStore(redis, jobs, consumer);
        this.outcomes = new Outcomes(jobs, server, consumer);
        this.nextJanitor = System.nanoTime() + ThreadLocalRandom.current().nextLong(janitorInterval().toNanos());
    }

    /** One round: finish what came back, upkeep, take more work, then wait a little if idle. */
    void round() {
        handle(drained());
        long now = System.nanoTime();
        upkeep(now);
        int free = jobs.maxInFlight() - inFlight.size();
        // Refill once a quarter of the slots is free (or all): fewer, larger reads than one job at a time.
        boolean refill = free > 0 && (inFlight.isEmpty() || free >= (jobs.maxInFlight() + 3) / 4);
        boolean took = refill && now >= pausedUntil && take(now, free);
        context.gauge("in_flight", inFlight.size());
        if (took) {
            waitMillis = 1;
        } else if (!inFlight.isEmpty() || now < pausedUntil) {
            handle(awaitReplies(refill ? waitMillis : 100));
            waitMillis = Math.min(waitMillis * 2, 50);
        }
    }

    /** Renews in-flight jobs, and now and then forgets consumers of units that are gone. */
    private void upkeep(long now) {
        if (now >= nextHeartbeat) {
            if (!inFlight.isEmpty()) store.touch(inFlight.keySet());
            nextHeartbeat = now + jobs.heartbeatInterval().toNanos();
        }
        if (now >= nextJanitor) {
            nextJanitor = now + janitorInterval().toNanos();
            int forgotten = store.forgetQuietConsumers(quietConsumer());
            if (forgotten > 0) context.count("consumers_forgotten", forgotten);
        }
    }

    /** Takes up to {@code free} reclaimed or new jobs and sends them; true if there were any. */
    private boolean take(long now, int free) {
        List<Job> batch = List.of();
        if (now >= nextReclaim) {
            batch = store.reclaim(free);
            nextReclaim = store.reclaimScanComplete() ? now + jobs.reclaimInterval().toNanos() : now;
            if (!batch.isEmpty()) context.count("jobs_redelivered", batch.size());
        }
        if (batch.isEmpty()) batch = store.read(free, inFlight.isEmpty() ? blockMillis(now) : 0);
        dispatch(batch);
        return !batch.isEmpty();
    }

    private int blockMillis(long now) {
        long toReclaim = TimeUnit.NANOSECONDS.toMillis(nextReclaim - now);
        return (int) Math.max(1, Math.min(MAX_BLOCK_MILLIS, toReclaim));
    }

    /** Consumers that read nothing for this long and hold no jobs belong to units that are gone. */
    private Duration quietConsumer() {
        return jobs.visibilityTimeout().multipliedBy(10);
    }

    private Duration janitorInterval() {
        Duration d = quietConsumer();
        return d.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : d;
    }

    // ------------------------------------------------------------------------------ sending

    private void dispatch(List<Job> batch) {
        if (batch.isEmpty()) return;
        Set<String> alreadyDone = finishedBefore(batch);
        List<JobStore.Finish> finishes = new ArrayList<>();
        List<Job> unsent = new ArrayList<>();
        RequestTimeoutException sendFailure = null;
        for (Job job : batch) {
            if (alreadyDone.contains(job.id())) continue;
            if (job.deliveries() > jobs.maxDeliveries()) {
                String last = store.lastError(job.id());
                finishes.add(outcomes.dead(job, last != null ? last : "TIMEOUT: delivered " + (job.deliveries() - 1)
                        + " times without finishing (its units stopped answering or its server timed out)"));
            } else if (sendFailure != null) {
                unsent.add(job);
            } else {
                try {
                    send(job);
                } catch (Payloads.BadPayload e) {
                    finishes.add(outcomes.dead(job, "BAD_REQUEST: " + e.getMessage()));
                } catch (IllegalArgumentException e) {
                    finishes.add(outcomes.dead(job, "BAD_REQUEST: the " + jobs.protocol().wireName()
                            + " protocol cannot carry this payload: " + e.getMessage()));
                } catch (RequestTimeoutException e) {
                    sendFailure = e;
                    unsent.add(job);
                }
            }
        }
        finish(finishes);
        if (sendFailure != null) {
            store.retryLater(unsent, j -> 0, j -> null);
            throw unavailable("cannot send to " + server + ": " + sendFailure.getMessage(), sendFailure);
        }
    }

    /**
     * The jobs of {@code batch} that an earlier delivery already finished (their entry is gone, or
     * a redelivered one has a stored outcome); they are only acknowledged.
     */
    private Set<String> finishedBefore(List<Job> batch) {
        List<Job> done = new ArrayList<>();
        List<Job> again = new ArrayList<>();
        for (Job j : batch) {
            if (j.fields() == null) {
                done.add(j);
            } else if (j.deliveries() > 1) {
                again.add(j);
            }
        }
        if (!again.isEmpty()) {
            List<Boolean> have = store.haveOutcome(again);
            for (int i = 0; i < again.size(); i++) if (have.get(i)) done.add(again.get(i));
        }
        if (done.isEmpty()) return Set.of();
        store.ack(done);
        context.count("jobs_duplicate", done.size());
        Set<String> ids = new HashSet<>();
        for (Job j : done) ids.add(j.id());
        return ids;
    }

    private void send(Job job) {
        Object value = Payloads.decode(job.fields());
        inFlight.put(job.id(), job);
        try {
            client.encodeAsync(value).whenComplete((out, err) -> replies.add(new Reply(job, out, err)));
        } catch (RuntimeException e) {
            inFlight.remove(job.id());
            throw e;
        }
    }

    // ------------------------------------------------------------------------------ replies

    private List<Reply> drained() {
        List<Reply> list = new ArrayList<>();
        replies.drainTo(list);
        return list;
    }

    private List<Reply> awaitReplies(long maxMillis) {
        List<Reply> list = new ArrayList<>();
        try {
            Reply r = replies.poll(maxMillis, TimeUnit.MILLISECONDS);
            if (r != null) {
                list.add(r);
                replies.drainTo(list);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return list;
    }

    /** Stores, retries or releases the jobs of these replies; throws when the server is gone. */
    private void handle(List<Reply> list) {
        if (list.isEmpty()) return;
        Sorted s = sort(list);
        if (!s.timedOut.isEmpty() && !s.draining && serverAnswers()) {
            String error = "TIMEOUT: no reply from " + server + " within " + jobs.requestTimeout().toMillis() + " ms";
            for (Job j : s.timedOut) s.failed.put(j, error);
        } else if (!s.timedOut.isEmpty()) {
            s.draining = true; // the server does not answer at all
            s.release.addAll(s.timedOut);
        }
        s.failed.forEach((job, error) -> {
            if (job.deliveries() >= jobs.maxDeliveries()) s.finishes.add(outcomes.dead(job, error));
        });
        finish(s.finishes);
        List<Job> retry = s.failed.keySet().stream().filter(j -> j.deliveries() < jobs.maxDeliveries()).toList();
        store.retryLater(retry, this::backoffMillis, s.failed::get);
        context.count("jobs_failed", s.failed.size());
        long pause = s.overloaded ? Math.max(1, jobs.retryBackoff().toMillis()) : 0;
        if (s.overloaded) {
            pausedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause);
            context.count("server_overloaded", 1);
        }
        if (s.draining) {
            s.release.addAll(inFlight.values());
            inFlight.clear();
        }
        store.retryLater(s.release, j -> pause, j -> null);
        context.count("jobs_released", s.release.size());
        if (s.draining) {
            throw unavailable("server " + server + " " + (s.timedOut.isEmpty() ? "is shutting down" : "does not answer")
                    + "; its " + s.release.size() + " jobs were released to other units", null);
        }
    }

    private Sorted sort(List<Reply> list) {
        Sorted s = new Sorted();
        for (Reply r : list) {
            inFlight.remove(r.job().id());
            Throwable e = r.error() instanceof CompletionException || r.error() instanceof ExecutionException
                    ? r.error().getCause() : r.error();
            if (e == null) {
                try {
                    s.finishes.add(outcomes.done(r.job(), Payloads.encode(r.output())));
                } catch (Payloads.BadPayload bad) {
                    s.failed.put(r.job(), "WORKER_FAILED: " + bad.getMessage());
                }
            } else if (e instanceof OverloadedException) {
                s.overloaded = true;
                s.release.add(r.job());
            } else if (e instanceof ShuttingDownException) {
                s.draining = true;
                s.release.add(r.job());
            } else if (e instanceof RequestTimeoutException) {
                s.timedOut.add(r.job());
            } else {
                s.failed.put(r.job(), e instanceof WKRException w ? w.code() + ": " + w.getMessage() : "INTERNAL: " + e);
            }
        }
        return s;
    }

    /** After a request timed out: does the server still answer a status request? */
    private boolean serverAnswers() {
        try {
            client.serverStatus();
            return true;
        } catch (RuntimeException e) {
            return false;
        }
    }

    private ServerUnavailableException unavailable(String message, Throwable cause) {
        context.count("server_unavailable", 1);
        return new ServerUnavailableException(message, cause);
    }

    /** Wait before the next delivery of a job that failed its {@code deliveries}-th time. */
    private long backoffMillis(Job job) {
        long base = jobs.retryBackoff().toMillis();
        long cap = jobs.visibilityTimeout().toMillis() / 2;
        long d = Math.min(base << Math.min(20, Math.max(0, job.deliveries() - 1)), cap);
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1); // jitter: co-failed jobs spread out
    }

    private void finish(List<JobStore.Finish> finishes) {
        if (finishes.isEmpty()) return;
        List<Boolean> stored = store.finish(finishes);
        long done = 0;
        long dead = 0;
        long duplicate = 0;
        for (int i = 0; i < finishes.size(); i++) {
            if (!stored.get(i)) {
                duplicate++;
            } else if (finishes.get(i).deadLetter() != null) {
                dead++;
            } else {
                done++;
            }
        }
        if (done > 0) context.count("jobs_done", done);
        if (dead > 0) context.count("jobs_dead", dead);
        if (duplicate > 0) context.count("jobs_duplicate", duplicate);
    }

    // ------------------------------------------------------------------------------ closing

    /**
     * On a stop: waits (bounded) for the jobs in flight and finishes them. Then releases what is
     * left to other units without counting the delivery, and closes both connections.
     */
    @Override
    public void close() {
        try {
            if (context.stopping()) drain();
            if (!inFlight.isEmpty()) {
                store.retryLater(new ArrayList<>(inFlight.values()), j -> 0, j -> null);
                context.count("jobs_released", inFlight.size());
                inFlight.clear();
            }
            if (context.stopping()) store.forgetConsumerIfIdle();
        } catch (RuntimeException e) {
            logger.warn("unit {}: could not release {} jobs ({}); they return after the visibility timeout",
                    context.name(), inFlight.size(), e.toString());
        } finally {
            client.close();
            redis.close();
        }
    }

    private void drain() {
        long limit = Math.min(jobs.requestTimeout().toMillis(), context.config().stopTimeout().toMillis() * 3 / 4);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(limit);
        try {
            while (!inFlight.isEmpty() && System.nanoTime() < deadline) {
                long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
                handle(awaitReplies(Math.max(1, Math.min(100, left))));
            }
        } catch (ServerUnavailableException e) {
            logger.info("unit {}: {}", context.name(), e.getMessage());
        }
    }
}

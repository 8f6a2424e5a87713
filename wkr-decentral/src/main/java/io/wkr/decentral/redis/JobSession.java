package io.wkr.decentral.redis;

import io.wkr.client.ClientConfig;
import io.wkr.client.WKRClient;
import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.UnitContext;
import io.wkr.protocol.OverloadedException;
import io.wkr.protocol.RequestTimeoutException;
import io.wkr.protocol.ShuttingDownException;
import io.wkr.protocol.WKRException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
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
    private static final String HOST = hostName();
    private static final long MAX_BLOCK_MILLIS = 500;

    /** The server did not answer or is going away: the unit backs off and connects again. */
    static final class ServerUnavailableException extends WKRException {
        ServerUnavailableException(String message, Throwable cause) {
            super(io.wkr.protocol.ErrorCode.TIMEOUT, message, cause);
        }
    }

    private record Reply(Job job, Object output, Throwable error) {}

    private final UnitContext context;
    private final JobsConfig jobs;
    private final RedisClient redis;
    private final JobStore store;
    private final WKRClient client;
    private final String consumer;
    private final String server;
    private final Map<String, Job> inFlight = new LinkedHashMap<>();
    private final BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
    private long nextReclaim = System.nanoTime();
    private long nextHeartbeat = System.nanoTime();
    private long pausedUntil = System.nanoTime();
    private long waitMillis = 1;
    /** Next look for consumers of dead processes (at a random point of the first minute, then every minute). */
    private long nextJanitor;

    private JobSession(UnitContext context, RedisClient redis, WKRClient client, String consumer) {
        this.context = context;
        this.jobs = context.config().jobs();
        this.redis = redis;
        this.client = client;
        this.consumer = consumer;
        this.server = context.server().address();
        this.store = new JobStore(redis, jobs, consumer);
        this.nextJanitor = System.nanoTime() + ThreadLocalRandom.current().nextLong(janitorInterval().toNanos());
    }

    /** Consumers that read nothing for this long and hold no jobs belong to units that are gone. */
    private Duration quietConsumer() {
        return jobs.visibilityTimeout().multipliedBy(10);
    }

    private Duration janitorInterval() {
        Duration d = quietConsumer();
        return d.compareTo(Duration.ofMinutes(1)) > 0 ? Duration.ofMinutes(1) : d;
    }

    /** Connects to Redis (and creates the group if needed), then to the server. */
    static JobSession open(UnitContext context, String ip, int port, int portOut) {
        if (context.config().redis() == null) {
            throw new IllegalStateException("JobUnit needs Redis: give -redis_host/-redis_port (DecentralConfig.redis)");
        }
        JobsConfig jobs = context.config().jobs();
        RedisClient redis = RedisClients.create(context.config().redis(), 2, false);
        try {
            JobStore.ensureGroup(redis, jobs);
            WKRClient client = new WKRClient(ClientConfig.builder(ip, port, portOut).timeout(jobs.requestTimeout())
                    .protocol(jobs.protocol()).build());
            return new JobSession(context, redis, client, HOST + ":" + ProcessHandle.current().pid() + ":" + context.name());
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    /** The Redis consumer name: {@code host:pid:unit}, the same for every life of a unit slot. */
    String consumer() {
        return consumer;
    }

    /** One round: finish what came back, renew, take more work, then wait a little if idle. */
    void round() {
        handle(drained());
        long now = System.nanoTime();
        if (now >= nextHeartbeat) {
            if (!inFlight.isEmpty()) store.touch(inFlight.keySet());
            nextHeartbeat = now + jobs.heartbeatInterval().toNanos();
        }
        if (now >= nextJanitor) {
            nextJanitor = now + janitorInterval().toNanos();
            int forgotten = store.forgetQuietConsumers(quietConsumer());
            if (forgotten > 0) context.count("consumers_forgotten", forgotten);
        }
        int free = jobs.maxInFlight() - inFlight.size();
        boolean took = false;
        // Refill once a quarter of the slots is free (or all): fewer, larger reads than one job at a time.
        boolean refill = free > 0 && (inFlight.isEmpty() || free >= (jobs.maxInFlight() + 3) / 4);
        if (refill && now >= pausedUntil) {
            List<Job> batch = List.of();
            if (now >= nextReclaim) {
                batch = store.reclaim(free);
                nextReclaim = store.reclaimScanComplete() ? now + jobs.reclaimInterval().toNanos() : now;
                if (!batch.isEmpty()) context.count("jobs_redelivered", batch.size());
            }
            if (batch.isEmpty()) batch = store.read(free, inFlight.isEmpty() ? blockMillis(now) : 0);
            took = !batch.isEmpty();
            dispatch(batch);
        }
        context.gauge("in_flight", inFlight.size());
        if (took) {
            waitMillis = 1;
        } else if (!inFlight.isEmpty() || now < pausedUntil) {
            long max = !refill ? 100 : waitMillis;
            handle(awaitReplies(max));
            waitMillis = Math.min(waitMillis * 2, 50);
        }
    }

    private int blockMillis(long now) {
        long toReclaim = TimeUnit.NANOSECONDS.toMillis(nextReclaim - now);
        return (int) Math.max(1, Math.min(MAX_BLOCK_MILLIS, toReclaim));
    }

    // ------------------------------------------------------------------------------ sending

    private void dispatch(List<Job> batch) {
        if (batch.isEmpty()) return;
        List<Job> again = new ArrayList<>();
        for (Job j : batch) if (j.deliveries() > 1 && j.fields() != null) again.add(j);
        Map<String, Boolean> finished = new HashMap<>();
        if (!again.isEmpty()) {
            List<Boolean> have = store.haveOutcome(again);
            for (int i = 0; i < again.size(); i++) finished.put(again.get(i).id(), have.get(i));
        }
        List<JobStore.Finish> finishes = new ArrayList<>();
        List<Job> alreadyDone = new ArrayList<>();
        List<Job> unsent = new ArrayList<>();
        RequestTimeoutException sendFailure = null;
        for (Job job : batch) {
            if (job.fields() == null || finished.getOrDefault(job.id(), false)) {
                alreadyDone.add(job); // finished by an earlier delivery: only acknowledge
            } else if (job.deliveries() > jobs.maxDeliveries()) {
                String last = store.lastError(job.id());
                finishes.add(dead(job, last != null ? last : "TIMEOUT: delivered " + (job.deliveries() - 1)
                        + " times without finishing (its units stopped answering or its server timed out)"));
            } else if (sendFailure != null) {
                unsent.add(job);
            } else {
                try {
                    send(job);
                } catch (Payloads.BadPayload e) {
                    finishes.add(dead(job, "BAD_REQUEST: " + e.getMessage()));
                } catch (IllegalArgumentException e) {
                    finishes.add(dead(job, "BAD_REQUEST: the " + jobs.protocol().wireName()
                            + " protocol cannot carry this payload: " + e.getMessage()));
                } catch (RequestTimeoutException e) {
                    sendFailure = e;
                    unsent.add(job);
                }
            }
        }
        finish(finishes);
        if (!alreadyDone.isEmpty()) {
            store.ack(alreadyDone);
            context.count("jobs_duplicate", alreadyDone.size());
        }
        if (sendFailure != null) {
            store.retryLater(unsent, j -> 0, j -> null);
            throw unavailable("cannot send to " + server + ": " + sendFailure.getMessage(), sendFailure);
        }
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

    private void handle(List<Reply> list) {
        if (list.isEmpty()) return;
        List<JobStore.Finish> finishes = new ArrayList<>();
        Map<Job, String> failed = new LinkedHashMap<>();
        List<Job> release = new ArrayList<>();
        List<Job> timedOut = new ArrayList<>();
        boolean overloaded = false;
        boolean draining = false;
        for (Reply r : list) {
            inFlight.remove(r.job().id());
            Throwable e = r.error() instanceof CompletionException || r.error() instanceof ExecutionException
                    ? r.error().getCause() : r.error();
            if (e == null) {
                try {
                    finishes.add(done(r.job(), Payloads.encode(r.output())));
                } catch (Payloads.BadPayload bad) {
                    failed.put(r.job(), "WORKER_FAILED: " + bad.getMessage());
                }
            } else if (e instanceof OverloadedException) {
                overloaded = true;
                release.add(r.job());
            } else if (e instanceof ShuttingDownException) {
                draining = true;
                release.add(r.job());
            } else if (e instanceof RequestTimeoutException) {
                timedOut.add(r.job());
            } else {
                failed.put(r.job(), describe(e));
            }
        }
        if (!timedOut.isEmpty() && !draining) {
            if (serverAnswers()) {
                for (Job j : timedOut) {
                    failed.put(j, "TIMEOUT: no reply from " + server + " within " + jobs.requestTimeout().toMillis() + " ms");
                }
            } else {
                draining = true;
                release.addAll(timedOut);
            }
        } else {
            release.addAll(timedOut);
        }
        failed.forEach((job, error) -> {
            if (job.deliveries() >= jobs.maxDeliveries()) finishes.add(dead(job, error));
        });
        finish(finishes);
        List<Job> retry = failed.keySet().stream().filter(j -> j.deliveries() < jobs.maxDeliveries()).toList();
        store.retryLater(retry, this::backoffMillis, failed::get);
        context.count("jobs_failed", failed.size());
        long pause = overloaded ? Math.max(1, jobs.retryBackoff().toMillis()) : 0;
        if (overloaded) {
            pausedUntil = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(pause);
            context.count("server_overloaded", 1);
        }
        if (draining) {
            release.addAll(inFlight.values());
            inFlight.clear();
        }
        store.retryLater(release, j -> pause, j -> null);
        context.count("jobs_released", release.size());
        if (draining) {
            throw unavailable("server " + server + " " + (timedOut.isEmpty() ? "is shutting down" : "does not answer")
                    + "; its " + release.size() + " jobs were released to other units", null);
        }
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
        long d = base << Math.min(20, Math.max(0, job.deliveries() - 1));
        d = Math.min(d, cap);
        return d / 2 + ThreadLocalRandom.current().nextLong(d / 2 + 1); // jitter: co-failed jobs spread out
    }

    private static String describe(Throwable e) {
        if (e instanceof WKRException w) return w.code() + ": " + w.getMessage();
        return "INTERNAL: " + e;
    }

    // ------------------------------------------------------------------------------ finishing

    private JobStore.Finish done(Job job, Payloads.Encoded out) {
        Map<String, Object> h = header("done", job);
        h.put("type", out.type());
        if (out.dtype() != null) {
            h.put("dtype", out.dtype());
            h.put("shape", io.wkr.protocol.internal.Json.parse(out.shape()));
        }
        return new JobStore.Finish(job, Payloads.result(h, out.data()), null);
    }

    private JobStore.Finish dead(Job job, String error) {
        Map<String, Object> h = header("failed", job);
        h.put("error", error);
        Map<String, byte[]> dl = new LinkedHashMap<>();
        dl.put("job", Payloads.ascii(job.id()));
        if (job.fields() != null) {
            for (String f : List.of(Payloads.TYPE, Payloads.DATA, Payloads.DTYPE, Payloads.SHAPE)) {
                byte[] v = job.fields().get(f);
                if (v != null) dl.put(f, v);
            }
        }
        dl.put("error", Payloads.ascii(error));
        dl.put("deliveries", Payloads.ascii(Long.toString(job.deliveries())));
        dl.put("consumer", Payloads.ascii(consumer));
        dl.put("server", Payloads.ascii(server));
        dl.put("failed_ms", Payloads.ascii(Long.toString(System.currentTimeMillis())));
        logger.warn("job {} goes to the dead-letter stream {} after {} deliveries: {}", job.id(), jobs.deadStream(),
                job.deliveries(), error);
        return new JobStore.Finish(job, Payloads.result(h, new byte[0]), dl);
    }

    private Map<String, Object> header(String status, Job job) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", status);
        h.put("server", server);
        h.put("consumer", consumer);
        h.put("deliveries", job.deliveries());
        h.put("finished_ms", System.currentTimeMillis());
        return h;
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

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (Exception e) {
            String h = System.getenv("HOSTNAME");
            return h == null || h.isBlank() ? "localhost" : h;
        }
    }
}

package io.wkr.decentral.redis;

import io.wkr.client.ClientConfig;
import io.wkr.client.WKRClient;
import io.wkr.decentral.JobsConfig;
import io.wkr.decentral.UnitContext;
import io.wkr.decentral.WKRWorker;
import java.net.InetAddress;
import org.slf4j.Logger;
import redis.clients.jedis.RedisClient;

/**
 * The ready-made unit: takes jobs that {@link JobQueue} producers submitted to a Redis stream,
 * sends each to its server with a {@link WKRClient}, stores the result and only then acknowledges
 * the job. Start it with
 *
 * <pre>
 * wkr-decentral-start io.wkr.decentral.redis.JobUnit -remote_servers '[["10.0.0.1", 5555, 5556]]' \
 *     -num_client 4 -redis_host localhost -redis_port 6379
 * </pre>
 *
 * <p>or {@code new WKRDecentralizeCentral(config, JobUnit::new)}. Guarantees (Redis Streams
 * consumer group, at-least-once delivery):
 *
 * <ul>
 *   <li>A job is acknowledged only after its outcome is stored; the store is "set if absent", so
 *       however often a job is delivered, it has at most one stored result. A second delivery
 *       (after a unit died, say) is visible as {@code deliveries > 1} in the result, never as a
 *       second result.
 *   <li>A unit renews the visibility of its in-flight jobs every third of {@code
 *       visibilityTimeout}; jobs of a unit that stopped renewing are reclaimed ({@code
 *       XAUTOCLAIM}) by the others once idle for {@code visibilityTimeout}.
 *   <li>A job the server fails is retried after {@code retryBackoff}, doubling per delivery, with
 *       its last error recorded; after {@code maxDeliveries} it goes to the dead-letter stream
 *       with that error, and its result says {@code failed}.
 *   <li>A server that does not answer (a request times out and a status request too) or shuts
 *       down: the unit releases its jobs to the other units at once, without counting the
 *       delivery against them, and restarts with backoff until the server answers again. A server
 *       that answers {@code OVERLOADED} gets the job back later and a pause.
 *   <li>At most {@code maxInFlight} jobs per unit are sent and not finished.
 * </ul>
 */
public final class JobUnit extends WKRWorker<Object> {
    private static final String HOST = hostName();

    /** Connects to Redis (creating the stream and group if needed), then to the server. */
    @Override
    public Object getModel(String ip, int port, int portOut) {
        UnitContext context = context();
        if (context.config().redis() == null) {
            throw new IllegalStateException("JobUnit needs Redis: give -redis_host/-redis_port (DecentralConfig.redis)");
        }
        JobsConfig jobs = context.config().jobs();
        RedisClient redis = RedisClients.create(context.config().redis(), 2, false);
        try {
            JobStore.ensureGroup(redis, jobs);
            WKRClient client = new WKRClient(ClientConfig.builder(ip, port, portOut).timeout(jobs.requestTimeout())
                    .protocol(jobs.protocol()).build());
            // host:pid:unit, the same for every life of a unit slot: a restarted unit takes its own jobs back
            String consumer = HOST + ":" + ProcessHandle.current().pid() + ":" + context.name();
            return new JobSession(context, redis, client, consumer);
        } catch (RuntimeException e) {
            redis.close();
            throw e;
        }
    }

    @Override
    public void doWork(Object session, Logger logger) {
        ((JobSession) session).round();
    }

    @Override
    public void offModel(Object session) {
        ((JobSession) session).close();
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

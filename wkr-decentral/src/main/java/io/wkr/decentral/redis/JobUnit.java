package io.wkr.decentral.redis;

import io.wkr.decentral.WKRWorker;
import org.slf4j.Logger;

/**
 * The ready-made unit: takes jobs that {@link JobQueue} producers submitted to a Redis stream,
 * sends each to its server with a {@link io.wkr.client.WKRClient}, stores the result and only
 * then acknowledges the job. Start it with
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

    @Override
    public Object getModel(String ip, int port, int portOut) {
        return JobSession.open(context(), ip, port, portOut);
    }

    @Override
    public void doWork(Object session, Logger logger) {
        ((JobSession) session).round();
    }

    @Override
    public void offModel(Object session) {
        ((JobSession) session).close();
    }
}

package io.wkr.decentral;

import java.util.Objects;
import org.slf4j.Logger;

/**
 * A processing unit: what the original called a {@code WKRWorker} process. A {@link
 * WKRDecentralizeCentral} runs {@code num_client} units per remote server, each on its own
 * thread, and calls, in this order:
 *
 * <ol>
 *   <li>{@link #getModel} once, with the unit's server: open the connections the unit needs
 *       (typically a {@link io.wkr.client.WKRClient} and a Redis connection);
 *   <li>{@link #doWork} again and again, until the unit is stopped: one round of work (take jobs,
 *       call the server, store results);
 *   <li>{@link #offModel} once: close everything.
 * </ol>
 *
 * <pre>{@code
 * public final class Upper extends WKRWorker<Upper.Conn> {
 *     record Conn(WKRClient client, RedisHandler queue) {}
 *
 *     public Conn getModel(String ip, int port, int portOut) {
 *         return new Conn(new WKRClient(ip, port, portOut), new RedisHandler("texts", context().config().redis()));
 *     }
 *
 *     public void doWork(Conn c, Logger logger) {
 *         Map<String, Object> job = c.queue().pop(Duration.ofSeconds(1));   // waits up to 1 s
 *         if (job != null) c.queue().set("done:" + job.get("id"), (String) c.client().encode(job.get("text")));
 *     }
 *
 *     public void offModel(Conn c) {
 *         c.client().close();
 *         c.queue().close();
 *     }
 * }
 * }</pre>
 *
 * <p>Most users need no unit of their own: {@link io.wkr.decentral.redis.JobUnit} is a complete
 * one for jobs submitted with {@link io.wkr.decentral.redis.JobQueue}.
 *
 * <p><b>Failures.</b> If {@code getModel} or {@code doWork} throws, the central calls {@code
 * offModel} (when {@code getModel} had succeeded), waits (100 ms at first, doubling up to the
 * configured maximum) and starts the unit again with a fresh instance. A unit whose server is
 * down therefore keeps retrying it with backoff and takes no work meanwhile.
 *
 * <p><b>Stopping.</b> {@code doWork} should return within a second or so (block on Redis or a
 * server with a short timeout), so that a stop is noticed; {@link UnitContext#stopping()} tells a
 * long round to end early. Units are never interrupted.
 *
 * <p>All three methods of one instance are called from one thread. A subclass started by {@code
 * wkr-decentral-start} needs a public no-argument constructor.
 *
 * @param <M> what {@code getModel} returns and the other two methods receive
 */
public abstract class WKRWorker<M> {
    private UnitContext context;

    /** Called by the central once, before {@link #getModel}. Not for user code. */
    public final void attach(UnitContext context) {
        if (this.context != null) throw new IllegalStateException("unit already attached");
        this.context = Objects.requireNonNull(context, "context == null");
    }

    /**
     * Opens what the unit needs to work with the server at {@code ip}, {@code port} ({@code
     * port_in}) and {@code portOut}.
     */
    public abstract M getModel(String ip, int port, int portOut) throws Exception;

    /** One round of work; called in a loop until the unit stops. */
    public abstract void doWork(M model, Logger logger) throws Exception;

    /** Closes what {@link #getModel} opened. Default: nothing. */
    public void offModel(M model) throws Exception {}

    /** This unit's name, server, configuration, counters and stop flag. */
    protected final UnitContext context() {
        if (context == null) throw new IllegalStateException("unit is not attached to a central yet");
        return context;
    }
}

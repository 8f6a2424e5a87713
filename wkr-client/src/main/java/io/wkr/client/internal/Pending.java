package io.wkr.client.internal;

import java.util.concurrent.CompletableFuture;

/**
 * A request waiting for its reply. Whichever thread reads the reply completes it; the receiver
 * thread fails it once its deadline passes.
 */
final class Pending extends CompletableFuture<Object> {
    final long id;
    /** A {@code SHOW_CONFIG} request: its reply is a JSON status, not a payload of the protocol. */
    final boolean status;
    final long deadlineNanos;
    /** Nobody reads for it: the receiver thread completes it. */
    final boolean async;

    Pending(long id, boolean status, long deadlineNanos, boolean async) {
        this.id = id;
        this.status = status;
        this.deadlineNanos = deadlineNanos;
        this.async = async;
    }
}

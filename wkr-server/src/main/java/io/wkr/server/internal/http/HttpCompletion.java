package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Tensor;
import io.wkr.server.internal.batching.Completion;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.MemoryBudget;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;

/**
 * Answers one HTTP request. The thread that completes the job (a model's worker, the deadline
 * sweep, admission) only hands the answer to the HTTP reply executor; the result is serialised
 * and written there ({@link Exchange#result}), so a large result never costs a worker its time.
 * A tensor or byte array result is counted in the reply budget until it is serialised. When the
 * reply executor's queue is full, a result is dropped and answered 429 {@code OVERLOADED} at once
 * (a small body), and an error is written by the calling thread.
 */
final class HttpCompletion implements Completion {
    private final Exchange exchange;
    private final Executor replies;
    private final MemoryBudget budget;

    HttpCompletion(Exchange exchange, Executor replies, MemoryBudget budget) {
        this.exchange = exchange;
        this.replies = replies;
        this.budget = budget;
    }

    @Override
    public void succeeded(Job job, Object output) {
        long held = sizeOf(output); // already allocated: counted, never refused, until it is serialised
        budget.reserve(held);
        try {
            replies.execute(() -> {
                try {
                    exchange.result(output, budget, held);
                } finally {
                    budget.release(held);
                }
            });
        } catch (RejectedExecutionException e) {
            budget.release(held);
            exchange.error(429, ErrorCode.OVERLOADED, "too many HTTP replies are waiting to be written; the result was "
                    + "dropped; retry later", null);
        }
    }

    /** The bytes of a tensor or byte array output; 0 for other objects (not estimated). */
    private static long sizeOf(Object output) {
        if (output instanceof Tensor t) return (long) t.size() * t.dtype().byteSize();
        if (output instanceof byte[] b) return b.length;
        return 0;
    }

    @Override
    public void failed(Job job, ErrorCode code, String message) {
        try {
            replies.execute(() -> exchange.error(Exchange.statusOf(code), code, message, null));
        } catch (RejectedExecutionException e) {
            exchange.error(Exchange.statusOf(code), code, message, null);
        }
    }
}

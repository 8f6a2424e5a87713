package io.wkr.server.http;

import io.wkr.protocol.ErrorCode;
import io.wkr.server.batching.Completion;
import io.wkr.server.batching.Job;
import io.wkr.server.stats.ServerStats;
import java.util.concurrent.CompletableFuture;

/** Answers one HTTP request: completes its future and records the same statistics the sink does. */
final class HttpCompletion implements Completion {
    private final ServerStats stats;
    private final CompletableFuture<Object> future = new CompletableFuture<>();

    HttpCompletion(ServerStats stats) {
        this.stats = stats;
    }

    CompletableFuture<Object> future() {
        return future;
    }

    @Override
    public void succeeded(Job job, Object output) {
        stats.completed(job.arrivalNanos(), null);
        future.complete(output);
    }

    @Override
    public void failed(Job job, ErrorCode code, String message) {
        stats.completed(job.arrivalNanos(), code);
        future.completeExceptionally(code.toException(message));
    }
}

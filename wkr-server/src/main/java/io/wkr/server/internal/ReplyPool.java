package io.wkr.server.internal;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The reply pools of the HTTP and gRPC faces: as many daemon threads as cores (at least two),
 * and a bounded queue, so a result nobody can write yet is refused (answered {@code OVERLOADED})
 * instead of piling up.
 */
public final class ReplyPool {
    private ReplyPool() {}

    /**
     * @param capacity replies that may wait for a thread: what the queue and the running batches
     *     can complete at once
     * @param threadPrefix names the threads {@code <prefix>1}, {@code <prefix>2} ...
     */
    public static ThreadPoolExecutor create(int capacity, String threadPrefix) {
        int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
        AtomicInteger n = new AtomicInteger();
        return new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(capacity), r -> {
            Thread t = new Thread(r, threadPrefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
    }
}

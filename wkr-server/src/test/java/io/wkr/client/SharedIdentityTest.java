package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.server.WKRServer;
import io.wkr.server.testing.EchoTestWorker;
import io.wkr.server.testing.TestServers;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Clients given the same identity all receive the replies published under it (PUB/SUB), but each
 * completes only the requests it sent: against a real server, every future completes with its own
 * result, however the clients' requests interleave.
 */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class SharedIdentityTest {
    private static final int THREADS_PER_CLIENT = 2;
    private static final int REQUESTS_PER_THREAD = 300;

    @TempDir Path dir;

    /** What the callers saw, counted over all of them. */
    private final AtomicInteger sent = new AtomicInteger();
    private final AtomicInteger own = new AtomicInteger();
    private final AtomicInteger foreign = new AtomicInteger();
    private final AtomicInteger failed = new AtomicInteger();

    private WKRServer start() {
        return TestServers.start(TestServers.config(dir).numWorker(2).batchSize(8).build(), EchoTestWorker::new);
    }

    @Test
    void shouldCompleteEveryBlockingCallWithItsOwnResultWhenTwoClientsShareAnIdentity() throws Exception {
        try (WKRServer server = start()) {
            ClientConfig config = TestServers.client(server).identity("shared").build();
            try (WKRClient a = new WKRClient(config); WKRClient b = new WKRClient(config)) {
                runConcurrently(List.of(a::encode, b::encode));
                assertThat(a.pendingRequests() + b.pendingRequests()).isZero();
            }
        }
        assertEveryAnswerWasTheCallersOwn();
    }

    @Test
    void shouldCompleteEveryAsyncCallWithItsOwnResultWhenTwoClientsShareAnIdentity() throws Exception {
        try (WKRServer server = start()) {
            ClientConfig config = TestServers.client(server).identity("shared").build();
            try (WKRClient a = new WKRClient(config); WKRClient b = new WKRClient(config)) {
                runPipelined(List.of(a::encodeAsync, b::encodeAsync));
                assertThat(a.pendingRequests() + b.pendingRequests()).isZero();
            }
        }
        assertEveryAnswerWasTheCallersOwn();
    }

    @Test
    void shouldKeepConcurrentClientsWithTheSameIdentityApart() throws Exception {
        // Each pool names its connections shared-0, shared-1: the two pools' connections pair up.
        try (WKRServer server = start()) {
            ClientConfig config = TestServers.client(server).identity("shared").build();
            try (ConcurrentWKRClient a = new ConcurrentWKRClient(config, 2);
                    ConcurrentWKRClient b = new ConcurrentWKRClient(config, 2)) {
                runConcurrently(List.of(a::encode, b::encode));
            }
        }
        assertEveryAnswerWasTheCallersOwn();
    }

    /** {@link #THREADS_PER_CLIENT} threads per client, each making blocking calls with inputs no other call sends. */
    private void runConcurrently(List<Function<Object, Object>> clients) throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients.size() * THREADS_PER_CLIENT);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int c = 0; c < clients.size(); c++) {
                Function<Object, Object> client = clients.get(c);
                for (int t = 0; t < THREADS_PER_CLIENT; t++) {
                    String caller = "c" + c + "-t" + t + "-";
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
                            String input = caller + i;
                            sent.incrementAndGet();
                            try {
                                count(input, client.apply(input));
                            } catch (RuntimeException e) {
                                failed.incrementAndGet();
                            }
                        }
                        return null;
                    }));
                }
            }
            for (Future<?> f : done) f.get(100, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    /** One thread per client keeps 32 asynchronous calls in flight. */
    private void runPipelined(List<Function<Object, CompletableFuture<Object>>> clients) throws Exception {
        List<CompletableFuture<?>> all = new ArrayList<>();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients.size(); c++) {
            Function<Object, CompletableFuture<Object>> client = clients.get(c);
            String caller = "c" + c + "-";
            CompletableFuture<Void> finished = new CompletableFuture<>();
            all.add(finished);
            Thread thread = new Thread(() -> {
                Semaphore window = new Semaphore(32);
                List<CompletableFuture<?>> mine = new ArrayList<>();
                try {
                    for (int i = 0; i < THREADS_PER_CLIENT * REQUESTS_PER_THREAD; i++) {
                        String input = caller + i;
                        window.acquire();
                        sent.incrementAndGet();
                        mine.add(client.apply(input).whenComplete((v, e) -> {
                            if (e != null) failed.incrementAndGet();
                            else count(input, v);
                            window.release();
                        }));
                    }
                    CompletableFuture.allOf(mine.toArray(new CompletableFuture<?>[0])).handle((v, e) -> finished.complete(null));
                } catch (InterruptedException | RuntimeException e) {
                    finished.completeExceptionally(e);
                }
            }, "caller-" + c);
            threads.add(thread);
            thread.start();
        }
        for (CompletableFuture<?> f : all) f.get(100, TimeUnit.SECONDS);
        for (Thread t : threads) t.join(10_000);
    }

    private void count(String input, Object answer) {
        if (input.equals(answer)) own.incrementAndGet();
        else foreign.incrementAndGet();
    }

    private void assertEveryAnswerWasTheCallersOwn() {
        int expected = 2 * THREADS_PER_CLIENT * REQUESTS_PER_THREAD;
        assertThat(sent.get()).isEqualTo(expected);
        assertThat(foreign.get()).as("answers that belonged to another caller").isZero();
        assertThat(failed.get()).as("calls that failed").isZero();
        assertThat(own.get()).isEqualTo(expected);
    }
}

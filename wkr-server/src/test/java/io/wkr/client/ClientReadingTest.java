package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.protocol.RequestTimeoutException;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Who reads a client's SUB socket: a caller of the blocking {@code encode} reads it itself, the
 * receiver thread reads whenever replies are due and no caller is reading. Every reply must reach
 * its future whichever thread happened to read it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientReadingTest {
    @TempDir Path dir;

    private final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();

    private WKRServer start(int workers) {
        return TestServers.start(TestServers.config(dir).numWorker(workers).batchSize(1).build(),
                () -> new ScriptedWorker(controls));
    }

    @Test
    void shouldCompleteAsyncRequestsWithNoCallerWaitingWhileBlockingCallsAreServed() throws Exception {
        try (WKRServer server = start(2); WKRClient client = new WKRClient(TestServers.client(server).build())) {
            CompletableFuture<Object> held = client.encodeAsync("block"); // holds one worker
            controls.awaitBlocked();
            // The other worker answers blocking calls while the async request is still due.
            for (int i = 0; i < 20; i++) assertThat(client.encode("sync-" + i)).isEqualTo("sync-" + i);
            CompletableFuture<Object> callback = new CompletableFuture<>();
            held.whenComplete((v, e) -> callback.complete(v));
            controls.release();
            // Nobody calls the client now: only the receiver thread can read this reply.
            assertThat(callback.get(20, TimeUnit.SECONDS)).isEqualTo("block");
            assertThat(client.pendingRequests()).isZero();
        }
    }

    @Test
    void shouldHandReadingOverWhenTheReadingCallerReturnsFirst() throws Exception {
        // 16 threads share 2 connections with blocking calls: a caller that reads often gets its
        // own reply while others on its connection still wait, and must leave the reading to
        // someone else; every reply must still reach its own caller.
        try (WKRServer server = start(2);
                ConcurrentWKRClient client = new ConcurrentWKRClient(TestServers.client(server)
                        .timeout(Duration.ofSeconds(20)).build(), 2)) {
            ExecutorService pool = Executors.newFixedThreadPool(16);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < 16; t++) {
                    int thread = t;
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < 100; i++) {
                            String sent = "t" + thread + "-" + i;
                            assertThat(client.encode(sent)).isEqualTo(sent);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(50, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(server.snapshot().requests().succeeded()).isEqualTo(1600);
        }
    }

    @Test
    void shouldKeepReceivingAfterACallbackInterruptsTheThreadThatReadsReplies() throws Exception {
        // Callbacks run on the thread that read the reply; an interrupt they leave behind used to
        // make JeroMQ throw EINTR in the receiver thread, which then died with every future after it.
        try (WKRServer server = start(1); WKRClient client = new WKRClient(TestServers.client(server)
                .timeout(Duration.ofSeconds(20)).build())) {
            // "block" holds the model until the callback is attached, so the reply cannot arrive first
            // (a callback attached to a completed future would run, and interrupt, this thread)
            CompletableFuture<Object> first = client.encodeAsync("block");
            controls.awaitBlocked();
            CompletableFuture<Object> interrupted = first.whenComplete((v, e) -> Thread.currentThread().interrupt());
            controls.release();
            assertThat(interrupted.get(20, TimeUnit.SECONDS)).isEqualTo("block");
            for (int i = 0; i < 5; i++) {
                assertThat(client.encodeAsync("async-" + i).get(20, TimeUnit.SECONDS)).isEqualTo("async-" + i);
            }
            assertThat(client.encode("sync")).isEqualTo("sync");
            assertThat(Thread.currentThread().isInterrupted()).isFalse();
        }
    }

    @Test
    void shouldTimeOutABlockingCallThatReadsItselfAndDropItsLateReply() throws Exception {
        try (WKRServer server = start(1);
                WKRClient client = new WKRClient(TestServers.client(server).timeout(Duration.ofMillis(400)).build())) {
            CompletableFuture<Object> held = new CompletableFuture<>();
            Thread blocker = new Thread(() -> {
                try {
                    held.complete(client.encode("block"));
                } catch (RuntimeException e) {
                    held.completeExceptionally(e);
                }
            });
            blocker.start();
            assertThatThrownBy(() -> held.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(RequestTimeoutException.class);
            blocker.join(10_000);
            assertThat(client.pendingRequests()).isZero();
            controls.release();
            // The late reply to "block" arrives now and is dropped; the next call gets its own.
            assertThat(client.encode("after")).isEqualTo("after");
            assertThat(client.serverStatus()).containsKey("queue");
        }
    }
}

package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.protocol.Protocol;
import io.wkr.protocol.ShuttingDownException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A {@link WKRClient} is thread-safe: many threads share its one connection, and may close it under each other. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientThreadSafetyTest {
    private static final int THREADS = 8;
    private static final int REQUESTS_PER_THREAD = 200;

    private static ClientConfig config(EchoPeer peer) {
        return ClientConfig.builder("127.0.0.1", peer.port, peer.portOut).protocol(Protocol.OBJ)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void shouldAnswerEveryCallerOnOneClientWithItsOwnResult() throws Exception {
        AtomicInteger sent = new AtomicInteger();
        AtomicInteger own = new AtomicInteger();
        try (EchoPeer peer = new EchoPeer(); WKRClient client = new WKRClient(config(peer))) {
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    String caller = "t" + t + "-";
                    boolean async = t % 2 == 0; // half the threads block in encode, half wait on futures
                    done.add(pool.submit(() -> {
                        for (int i = 0; i < REQUESTS_PER_THREAD; i++) {
                            String input = caller + i;
                            sent.incrementAndGet();
                            Object out = async ? client.encodeAsync(input).get(20, TimeUnit.SECONDS) : client.encode(input);
                            if (input.equals(out)) own.incrementAndGet();
                        }
                        return null;
                    }));
                }
                for (Future<?> f : done) f.get(50, TimeUnit.SECONDS);
            } finally {
                pool.shutdownNow();
            }
            assertThat(sent.get()).isEqualTo(THREADS * REQUESTS_PER_THREAD);
            assertThat(own.get()).isEqualTo(sent.get());
            assertThat(peer.requests).hasSize(sent.get()); // every request reached the peer as one whole message
            assertThat(client.pendingRequests()).isZero();
        }
    }

    @Test
    void shouldFailCallsCleanlyWhenAnotherThreadCloses() throws Exception {
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger refused = new AtomicInteger();
        try (EchoPeer peer = new EchoPeer()) {
            WKRClient client = new WKRClient(config(peer));
            CountDownLatch running = new CountDownLatch(THREADS);
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                List<Future<?>> done = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    String caller = "t" + t + "-";
                    done.add(pool.submit(() -> {
                        for (int i = 0; ; i++) {
                            String input = caller + i;
                            try {
                                CompletableFuture<Object> f = client.encodeAsync(input);
                                assertThat(f.get(20, TimeUnit.SECONDS)).isEqualTo(input);
                                answered.incrementAndGet();
                                if (i == 0) running.countDown(); // every caller has been answered once
                            } catch (IllegalStateException e) { // sent after close(): "client is closed"
                                refused.incrementAndGet();
                                return null;
                            } catch (ExecutionException e) { // pending when close() ran
                                assertThat(e.getCause()).isInstanceOf(ShuttingDownException.class);
                                refused.incrementAndGet();
                                return null;
                            } catch (ShuttingDownException e) { // sending while close() ran
                                refused.incrementAndGet();
                                return null;
                            }
                        }
                    }));
                }
                assertThat(running.await(20, TimeUnit.SECONDS)).isTrue();
                client.close();
                for (Future<?> f : done) f.get(30, TimeUnit.SECONDS); // each caller ends with one refusal
            } finally {
                pool.shutdownNow();
            }
            assertThat(refused.get()).isEqualTo(THREADS);
            assertThat(answered.get()).isGreaterThanOrEqualTo(THREADS);
            assertThat(client.pendingRequests()).isZero();
            client.close(); // again: nothing happens
            assertThatThrownBy(() -> client.encode("late")).isInstanceOf(IllegalStateException.class)
                    .hasMessage("client is closed");
        }
    }
}

package io.wkr.server.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.server.testing.Await;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(value = 30, unit = TimeUnit.SECONDS)
class MemoryBudgetTest {
    @Test
    void shouldRefusePastTheLimitAndTrackUseAndPeak() {
        MemoryBudget b = new MemoryBudget("max_queue_bytes", 100);
        assertThat(b.tryReserve(60)).isTrue();
        assertThat(b.tryReserve(41)).isFalse();
        assertThat(b.tryReserve(40)).isTrue();
        b.release(100);
        b.reserve(150); // already held: counted whatever the limit
        assertThat(b.used()).isEqualTo(150);
        assertThat(b.peak()).isEqualTo(150);
        b.release(150);
        assertThat(b.free()).isEqualTo(100);
        assertThatThrownBy(() -> b.release(1)).isInstanceOf(IllegalStateException.class);
    }

    /**
     * A large amount waiting for room is served before smaller ones that come after it, or they
     * would pass it forever under steady traffic; larger than the limit, it gets the budget alone.
     */
    @Test
    void shouldServeWaitersInTheOrderTheyCame() throws Exception {
        MemoryBudget b = new MemoryBudget("max_reply_bytes", 100);
        b.reserve(60);
        CompletableFuture<Boolean> large = CompletableFuture.supplyAsync(() -> {
            try {
                return b.reserveWithin(150, TimeUnit.SECONDS.toNanos(20));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        Await.until(b::hasWaiters, Duration.ofSeconds(10), "the large one waiting");
        assertThat(b.reserveWithin(10, TimeUnit.MILLISECONDS.toNanos(200))).as("40 bytes are free, but a waiter came first")
                .isFalse();
        b.release(60);
        assertThat(large.get(10, TimeUnit.SECONDS)).isTrue();
        assertThat(b.used()).isEqualTo(150);
        assertThat(b.hasWaiters()).isFalse();
        b.release(150);
        assertThat(b.reserveWithin(10, 0)).isTrue();
    }
}

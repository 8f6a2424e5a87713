package io.wkr.server.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The GPU memory share, against a fake GPU (no GPU is needed to check the arithmetic). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GpuMemoryBudgetTest {
    private static final long GIB = 1L << 30;

    /** A 16 GiB GPU whose cache release frees {@code cached} bytes. */
    private static final class FakeGpu implements GpuMemoryBudget.Probe {
        long used;
        long cached;
        int releases;

        @Override
        public long used() {
            return used;
        }

        @Override
        public long total() {
            return 16 * GIB;
        }

        @Override
        public void releaseCache() {
            releases++;
            used -= cached;
            cached = 0;
        }
    }

    @Test
    void shouldRefuseMoreWorkersThanTheGpuHolds() {
        FakeGpu gpu = new FakeGpu();
        new GpuMemoryBudget(0.25, 4, 0, gpu);
        assertThatThrownBy(() -> new GpuMemoryBudget(0.4, 3, 0, gpu)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("3 workers share this GPU with -gpu_memory_fraction 0.40 each: 1.20")
                .hasMessageContaining("use -gpu_memory_fraction 0.33 or less");
    }

    @Test
    void shouldRefuseAModelLargerThanItsShare() {
        FakeGpu gpu = new FakeGpu();
        GpuMemoryBudget budget = new GpuMemoryBudget(0.2, 1, GIB, gpu);
        budget.checkLoad(GIB, GIB + 3 * GIB);
        assertThatThrownBy(() -> budget.checkLoad(GIB, GIB + 4 * GIB)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("took 4096 MiB").hasMessageContaining("allows (3276 MiB of 16384 MiB)")
                .hasMessageContaining("use -gpu_memory_fraction 0.30 or more");
    }

    @Test
    void shouldEmptyTheCacheOnlyWhenOverTheShare() {
        FakeGpu gpu = new FakeGpu();
        GpuMemoryBudget budget = new GpuMemoryBudget(0.25, 2, GIB, gpu); // the process may hold 8 GiB above 1 GiB
        gpu.used = GIB + 8 * GIB;
        assertThat(budget.afterBatch()).isZero();
        assertThat(gpu.releases).isZero();
        gpu.used = GIB + 10 * GIB;
        gpu.cached = 3 * GIB;
        assertThat(budget.afterBatch()).as("the cache release brings it back").isZero();
        assertThat(gpu.releases).isEqualTo(1);
        gpu.used = GIB + 10 * GIB;
        assertThat(budget.afterBatch()).as("nothing cached: still 2 GiB over").isEqualTo(2 * GIB);
    }
}

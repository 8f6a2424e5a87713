package io.wkr.server.internal.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.wkr.protocol.Envelope;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.Protocol;
import io.wkr.server.internal.batching.Completion;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.stats.ServerStats;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** What must never wait on a full reply budget: error replies, and stopping the sink. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SinkTest {
    private final ServerStats stats = new ServerStats(1, List.of());

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /**
     * The ventilator answers refusals and expired deadlines through the job's completion: with the
     * reply budget full (a client that does not read) that must not stop it from reading port_in.
     */
    @Test
    void shouldTakeErrorRepliesAtOnceWhenTheReplyBudgetIsFull() {
        Sink sink = Sink.bind("127.0.0.1", 0, stats, 100, 1 << 20, Duration.ofSeconds(10), t -> { });
        MemoryBudget budget = sink.replyBudget();
        try {
            // workers' replies nobody reads hold all the budget they may use: put would wait now
            budget.reserve(budget.limit() - budget.limit() / Sink.HEADROOM_SHARE);
            Completion completion = new SinkCompletion(sink, PayloadCodec.of(Protocol.OBJ, List.of()));
            Job job = new Job(ascii("client"), ascii("1"), new byte[0], Map.of(), null, 0, completion, System.nanoTime(),
                    Job.NO_DEADLINE);
            assertTimeoutPreemptively(Duration.ofSeconds(2), () -> job.fail(ErrorCode.OVERLOADED, "queue full"));
            assertThat(stats.requests().droppedReplies()).as("queued, not dropped").isZero();
            // a reply offered without room is dropped at once, and counted
            assertThat(sink.offer(new Envelope(ascii("client"), ascii("2"), new byte[128 << 10], ascii("{}")), -1, null))
                    .isFalse();
            assertThat(stats.requests().droppedReplies()).isEqualTo(1);
        } finally {
            sink.closeUnstarted();
        }
    }

    /** A sink whose thread died leaves a full queue behind: stopping it must not wait for room. */
    @Test
    void shouldStopWithoutWaitingOnAFullQueue() {
        Sink sink = Sink.bind("127.0.0.1", 0, stats, 1, 1 << 20, Duration.ofSeconds(10), t -> { });
        try {
            assertThat(sink.offer(new Envelope(ascii("c"), ascii("1"), new byte[1], ascii("{}")), -1, null)).isTrue();
            assertTimeoutPreemptively(Duration.ofSeconds(2), sink::stop);
        } finally {
            sink.closeUnstarted();
        }
    }
}

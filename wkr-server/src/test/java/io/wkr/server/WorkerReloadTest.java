package io.wkr.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.client.WKRClient;
import io.wkr.protocol.WorkerFailedException;
import io.wkr.server.status.WorkerState;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TestServers;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A worker whose model fails (an {@link Error}) is replaced; if its model then fails to load it is
 * tried again with backoff, and when every worker has given up the server stops with a failure
 * instead of answering {@code WORKER_FAILED} forever. {@code /ready} (here {@link WKRServer#ready()})
 * is false as soon as no worker can serve.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WorkerReloadTest {
    private static final Duration WAIT = Duration.ofSeconds(20);
    @TempDir Path dir;
    private final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();

    private WKRServer start(int retries) {
        return TestServers.start(TestServers.config(dir).numWorker(1).workerReloadRetries(retries).build(),
                () -> new ScriptedWorker(controls));
    }

    @Test
    void shouldStopWithAFailureWhenTheOnlyWorkerCannotReloadItsModel() throws Exception {
        try (WKRServer server = start(1);
                WKRClient c = new WKRClient(TestServers.client(server).build())) {
            assertThat(c.encode("ok")).isEqualTo("ok");
            assertThat(server.ready()).isTrue();
            controls.failLoad = "the weights are gone";
            assertThatThrownBy(() -> c.encode("die")).isInstanceOf(WorkerFailedException.class);
            Await.until(() -> !server.ready(), WAIT, "not ready while the only worker reloads");
            assertThat(server.awaitTermination(WAIT)).as("the server stopped by itself").isTrue();
            assertThat(server.failure()).hasValueSatisfying(f -> assertThat(f)
                    .contains("every worker failed to reload its model").contains("the weights are gone"));
            assertThat(server.snapshot().workers().get(0).state()).isEqualTo(WorkerState.FAILED);
        }
    }

    @Test
    void shouldServeAgainWhenAReloadSucceedsOnARetry() throws Exception {
        try (WKRServer server = start(3);
                WKRClient c = new WKRClient(TestServers.client(server).build())) {
            controls.failLoad = "not yet";
            assertThatThrownBy(() -> c.encode("die")).isInstanceOf(WorkerFailedException.class);
            Await.until(() -> String.valueOf(server.snapshot().workers().get(0).lastError()).contains("not yet"),
                    WAIT, "the first reload failed");
            assertThat(server.ready()).isFalse();
            assertThat(server.snapshot().workers().get(0).state()).isEqualTo(WorkerState.RESTARTING);
            controls.failLoad = null;
            Await.until(server::ready, WAIT, "ready again after a retry");
            assertThat(c.encode("back")).isEqualTo("back");
            assertThat(server.failure()).isEmpty();
            assertThat(server.state()).isEqualTo(WKRServer.State.READY);
        }
    }
}

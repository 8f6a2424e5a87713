package io.wkr.server;

import io.wkr.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the server tells a {@link WKRHardWorker} about its slot: its id, its device and the
 * server's configuration. Built by the server and handed to {@link WKRHardWorker#attach}.
 *
 * @param workerId 0-based worker index
 * @param deviceId {@code -1} for the CPU, {@code k} for GPU k
 * @param config the server's configuration
 * @param tmpDir {@code modelDir/tmpFolder}, created before {@code getEnv} is called
 * @param statistics sink for {@link WKRHardWorker#recordStatistic}
 */
public record WorkerContext(
        int workerId, int deviceId, ServerConfig config, Path tmpDir, Consumer<Map<String, ? extends Number>> statistics) {}

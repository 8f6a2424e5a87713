package io.wkr.examples;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.List;

/**
 * The smallest worker: returns every input unchanged. Works with both protocols ({@code numpy}
 * echoes tensors, {@code obj} echoes any registered object).
 *
 * <pre>
 * scripts/wkr-serving-start io.wkr.examples.EchoWorker -port_in 5555 -port_out 5556 -cp examples/target/wkr-examples.jar
 * </pre>
 */
public final class EchoWorker extends WKRHardWorker<Void, Object, Object> {
    @Override
    public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        logger().info("echo worker {} has nothing to load", workerId());
        return null;
    }

    @Override
    public List<Object> predict(Void model, List<Object> inputs) {
        return inputs;
    }
}

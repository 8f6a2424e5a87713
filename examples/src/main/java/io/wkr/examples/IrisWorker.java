package io.wkr.examples;

import ai.djl.nn.Block;
import io.wkr.protocol.DType;
import io.wkr.server.djl.DjlTensorWorker;
import io.wkr.server.djl.TensorSpec;

/**
 * Serves the iris MLP that {@link Iris} trained and saved: each request is one flower (float32,
 * 4 measurements), each reply its 3 logits; a batch is one forward pass. Anything else is
 * answered {@code BAD_REQUEST}.
 *
 * <pre>
 * scripts/wkr-serving-start io.wkr.examples.IrisWorker \
 *     -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' \
 *     -model_dir /tmp/iris-model -model_name iris -protocol numpy -batch_size 32 \
 *     -port_in 5555 -port_out 5556 -http_port 8080
 * </pre>
 */
public class IrisWorker extends DjlTensorWorker {
    @Override
    protected Block block(String modelName) {
        return Iris.block();
    }

    @Override
    protected TensorSpec inputSpec() {
        return TensorSpec.of(DType.FLOAT32, Iris.FEATURES);
    }
}

package io.wkr.examples;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/**
 * A model-like worker: each batch costs a fixed time plus a time per item, like a real forward
 * pass, so batching pays. Echoes its inputs. The costs come from the model name, {@code
 * "<fixed ms>+<per item ms>"} (default {@code 5+0.1}), e.g. {@code -model_name 5+0.1}.
 */
public final class SleepWorker extends WKRHardWorker<SleepWorker.Cost, Object, Object> {

    /** Cost of one batch: {@code fixedNanos + n * perItemNanos}. */
    public record Cost(long fixedNanos, long perItemNanos) {
        static Cost parse(String spec) {
            if (spec == null || spec.isBlank()) spec = "5+0.1";
            String[] parts = spec.split("\\+");
            if (parts.length != 2) throw new IllegalArgumentException("model_name must be '<fixed ms>+<per item ms>', got " + spec);
            return new Cost((long) (Double.parseDouble(parts[0]) * 1e6), (long) (Double.parseDouble(parts[1]) * 1e6));
        }
    }

    @Override
    public Cost getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        Cost c = Cost.parse(modelName);
        logger().info("sleep worker {}: {} ms per batch + {} ms per item", workerId(), c.fixedNanos / 1e6, c.perItemNanos / 1e6);
        return c;
    }

    @Override
    public List<Object> predict(Cost cost, List<Object> inputs) {
        long until = System.nanoTime() + cost.fixedNanos + inputs.size() * cost.perItemNanos;
        // Simulates compute time; parkNanos is the closest thing to "the GPU is busy".
        for (long left; (left = until - System.nanoTime()) > 0; ) LockSupport.parkNanos(left);
        return inputs;
    }
}

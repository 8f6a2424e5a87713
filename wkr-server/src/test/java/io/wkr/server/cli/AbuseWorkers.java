package io.wkr.server.cli;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** Workers the hardening tests start by name in child JVMs: slow, exiting, hanging, out of memory. */
public final class AbuseWorkers {
    private AbuseWorkers() {}

    /** A worker without a model: each one below only decides what {@code predict} does. */
    abstract static class NoModel extends WKRHardWorker<Void, Object, Object> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }
    }

    /** Echoes, taking 100 ms per batch: a model that is slower than its clients. */
    public static final class SlowEcho extends NoModel {
        @Override
        public List<Object> predict(Void model, List<Object> inputs) throws InterruptedException {
            Thread.sleep(100); // the model's own work, not synchronisation
            return inputs;
        }
    }

    /** Calls {@code System.exit(3)} on the input {@code "exit"}, echoes anything else. */
    public static final class ExitInPredict extends NoModel {
        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            if (inputs.contains("exit")) System.exit(3);
            return inputs;
        }
    }

    /** Never returns from {@code predict} on the input {@code "hang"}; echoes anything else. */
    public static final class HangInPredict extends NoModel {
        @Override
        public List<Object> predict(Void model, List<Object> inputs) throws InterruptedException {
            if (inputs.contains("hang")) new CountDownLatch(1).await();
            return inputs;
        }
    }

    /** Allocates until the heap is exhausted on the input {@code "oom"}; echoes anything else. */
    public static final class OutOfMemoryInPredict extends NoModel {
        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            if (inputs.contains("oom")) {
                List<long[]> hog = new ArrayList<>();
                while (true) hog.add(new long[1 << 20]);
            }
            return inputs;
        }
    }
}

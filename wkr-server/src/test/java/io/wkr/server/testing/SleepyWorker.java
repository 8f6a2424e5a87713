package io.wkr.server.testing;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.List;

/** Echoes its inputs after 20 ms per batch: a worker that stays busy under load. Public, no-argument (process mode). */
public final class SleepyWorker extends WKRHardWorker<Void, Object, Object> {
    @Override
    public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        return null;
    }

    @Override
    public List<Object> predict(Void model, List<Object> inputs) throws InterruptedException {
        Thread.sleep(20);
        return inputs;
    }
}

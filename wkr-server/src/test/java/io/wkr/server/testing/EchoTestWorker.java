package io.wkr.server.testing;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.List;

/** The plainest test worker: returns its inputs. */
public final class EchoTestWorker extends WKRHardWorker<Void, Object, Object> {
    @Override
    public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        return null;
    }

    @Override
    public List<Object> predict(Void model, List<Object> inputs) {
        return inputs;
    }
}

package io.wkr.server.cli;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.List;

/** Worker classes the CLI tests start by name, in child JVMs or in-process. */
public final class CliTestWorkers {
    private CliTestWorkers() {}

    /** Cannot load its model. */
    public static final class BrokenModel extends WKRHardWorker<Void, Object, Object> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            throw new IllegalStateException("weights file missing: " + modelDir.resolve("model.bin"));
        }

        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            return inputs;
        }
    }

    /** Not startable: abstract. */
    public abstract static class Abstract extends WKRHardWorker<Void, Object, Object> {}

    /** Not startable: no no-argument constructor. */
    public static final class NeedsArgument extends WKRHardWorker<Void, Object, Object> {
        public NeedsArgument(String argument) {}

        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            return inputs;
        }
    }
}

package io.wkr.server.testing;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A worker for process mode whose faults are chosen by its string inputs: {@code "exit"} calls
 * {@code System.exit(3)}, {@code "hang"} never returns, {@code "slow"} takes 3 s, {@code "boom"}
 * throws an exception, {@code "error"} throws an {@link Error}; anything else is echoed with the
 * process id that ran it ({@code "<input>@<pid>"}). Model name {@code "fail-load"} makes the model
 * fail to load, {@code "fail-reload"} fail every load after the first. Public with a no-argument constructor: a worker process makes it by its name.
 */
public final class FaultyWorker extends WKRHardWorker<Long, String, String> {
    @Override
    public Long getModel(Object env, Path modelDir, String modelName, Path tmpDir) throws java.io.IOException {
        if ("fail-load".equals(modelName)) throw new IllegalStateException("the model file is corrupt (asked for)");
        if ("fail-reload".equals(modelName)) { // loads once, then never again
            Path marker = modelDir.resolve("loaded-once");
            if (java.nio.file.Files.exists(marker)) throw new IllegalStateException("the model cannot load again (asked for)");
            java.nio.file.Files.writeString(marker, "x");
        }
        return ProcessHandle.current().pid();
    }

    @Override
    public Class<?> inputType() {
        return String.class;
    }

    @Override
    public List<String> predict(Long pid, List<String> inputs) throws Exception {
        if (inputs.contains("exit")) System.exit(3);
        if (inputs.contains("hang")) Thread.sleep(Long.MAX_VALUE);
        if (inputs.contains("slow")) Thread.sleep(3000);
        if (inputs.contains("boom")) throw new IllegalStateException("boom requested");
        if (inputs.contains("error")) throw new AssertionError("an Error requested");
        recordStatistic(java.util.Map.of("items", inputs.size()));
        List<String> out = new ArrayList<>();
        for (String s : inputs) out.add(s + "@" + pid);
        return out;
    }
}

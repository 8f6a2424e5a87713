package io.wkr.server.testing;

import io.wkr.server.WKRHardWorker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * A test worker whose behaviour is chosen by its string inputs: {@code "boom"} throws, {@code
 * "extra"} returns one output too many, {@code "die"} throws an {@link Error}, {@code "block"}
 * waits until {@link Controls#release} is called; anything else is echoed. It records every
 * input and batch it sees in its {@link Controls}.
 */
public final class ScriptedWorker extends WKRHardWorker<Void, Object, Object> {

    /** Shared between a test and the workers it starts. */
    public static final class Controls {
        public final Queue<Object> seen = new ConcurrentLinkedQueue<>();
        public final Queue<Integer> batchSizes = new ConcurrentLinkedQueue<>();
        public final Semaphore entered = new Semaphore(0);
        private final CountDownLatch gate = new CountDownLatch(1);
        public volatile String failLoad;

        public void release() {
            gate.countDown();
        }

        /** Waits until a batch holding {@code "block"} has started. */
        public void awaitBlocked() throws InterruptedException {
            if (!entered.tryAcquire(10, TimeUnit.SECONDS)) throw new AssertionError("no blocking batch started");
        }
    }

    private final Controls controls;

    public ScriptedWorker(Controls controls) {
        this.controls = controls;
    }

    @Override
    public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        if (controls.failLoad != null) throw new IllegalStateException(controls.failLoad);
        return null;
    }

    @Override
    public List<Object> predict(Void model, List<Object> inputs) throws Exception {
        controls.batchSizes.add(inputs.size());
        for (Object input : inputs) {
            if (input != null) controls.seen.add(input); // a Python client's None
        }
        if (inputs.contains("block")) {
            controls.entered.release();
            if (!controls.gate.await(30, TimeUnit.SECONDS)) throw new IllegalStateException("gate never opened");
        }
        if (inputs.contains("boom")) throw new IllegalStateException("boom requested");
        if (inputs.contains("die")) throw new AssertionError("fatal error requested");
        List<Object> out = new ArrayList<>(inputs);
        if (inputs.contains("extra")) out.add("one too many");
        return out;
    }
}

package io.wkr.decentral.testing;

import io.wkr.server.WKRHardWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A server-side test worker: echoes every input, after an optional delay per batch; throws for a
 * batch holding the poison string; counts how often it saw each input (to spot second deliveries).
 */
public final class TestWorker extends WKRHardWorker<Void, Object, Object> {
    public static final String POISON = "poison";

    /** Shared between a test and the workers of its servers. */
    public static final class Controls {
        public final Map<String, AtomicInteger> seen = new ConcurrentHashMap<>();
        public final AtomicInteger batches = new AtomicInteger();
        public volatile long delayMillis;

        public int seen(String key) {
            AtomicInteger n = seen.get(key);
            return n == null ? 0 : n.get();
        }

        public int total() {
            return seen.values().stream().mapToInt(AtomicInteger::get).sum();
        }
    }

    private final Controls controls;

    public TestWorker(Controls controls) {
        this.controls = controls;
    }

    @Override
    public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        return null;
    }

    @Override
    public List<Object> predict(Void model, List<Object> inputs) throws Exception {
        controls.batches.incrementAndGet();
        for (Object in : inputs) controls.seen.computeIfAbsent(key(in), k -> new AtomicInteger()).incrementAndGet();
        if (controls.delayMillis > 0) Thread.sleep(controls.delayMillis); // simulates model time
        for (Object in : inputs) {
            if (POISON.equals(in)) throw new IllegalStateException("the model cannot digest " + POISON);
        }
        return new ArrayList<>(inputs);
    }

    /** The key an input is counted under: strings as they are, bytes as UTF-8, others as text. */
    public static String key(Object in) {
        if (in instanceof byte[] b) return new String(b, StandardCharsets.UTF_8);
        return String.valueOf(in);
    }
}

package io.wkr.server;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A model loaded and run in the worker slot's own thread ({@code -worker_mode thread}). */
final class ThreadHost implements ModelHost {
    private static final Logger logger = LoggerFactory.getLogger(ThreadHost.class);

    private final WKRHardWorker<Object, Object, Object> worker;
    private final Object model;
    private final int workerId;

    private ThreadHost(WKRHardWorker<Object, Object, Object> worker, Object model, int workerId) {
        this.worker = worker;
        this.model = model;
        this.workerId = workerId;
    }

    /** Attaches a fresh worker to its slot and loads its model ({@code getEnv}, {@code getModel}). */
    static ThreadHost load(WKRHardWorker<Object, Object, Object> worker, WorkerContext context) throws Exception {
        worker.attach(context);
        Object env = worker.getEnv(context.deviceId(), context.tmpDir());
        Object model = worker.getModel(env, context.config().modelDir(), context.config().modelName(), context.tmpDir());
        return new ThreadHost(worker, model, context.workerId());
    }

    @Override
    public Class<?> inputType() {
        return worker.inputType();
    }

    @Override
    public void checkInput(Object input) {
        worker.checkInput(input);
    }

    @Override
    public List<Object> predict(List<Object> inputs) throws Exception {
        return worker.predict(model, inputs);
    }

    @Override
    public void close() {
        try {
            worker.close(model);
        } catch (Throwable t) {
            logger.warn("worker {}: close hook failed", workerId, t);
        }
    }
}

package io.wkr.server;

import java.util.List;

/**
 * Where a worker slot's model runs: in the slot's own thread ({@link ThreadHost}), or in a child
 * JVM ({@link ProcessHost}). The slot takes batches, checks inputs and answers requests the same
 * way for both.
 */
interface ModelHost {
    /** The type every input must have ({@link WKRHardWorker#inputType}). */
    Class<?> inputType();

    /** {@link WKRHardWorker#checkInput}, in the server's JVM. */
    void checkInput(Object input);

    /**
     * Runs one batch.
     *
     * @throws Exception the model failed on this batch; the host stays usable
     * @throws Error the host can no longer run batches (the model threw an {@code Error}, its
     *     process died or was killed): the slot fails the batch and replaces the host
     */
    List<Object> predict(List<Object> inputs) throws Exception;

    /** Releases the model (and ends a child process). Never throws. */
    void close();
}

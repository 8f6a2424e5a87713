package io.wkr.server;

import io.wkr.server.config.ServerConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one class a user writes: it loads a model and predicts on a batch. The server creates one
 * instance per worker, calls the hooks below on that worker's own thread, and turns the whole
 * thing into a batching server.
 *
 * <pre>{@code
 * public final class Doubler extends WKRHardWorker<Void, Tensor, Tensor> {
 *     public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
 *         return null; // load weights here
 *     }
 *
 *     public List<Tensor> predict(Void model, List<Tensor> inputs) {
 *         List<Tensor> out = new ArrayList<>();
 *         for (Tensor t : inputs) out.add(Tensor.of(times2(t.toFloatArray()), t.shape()));
 *         return out;
 *     }
 * }
 * }</pre>
 *
 * <p>Call order on the worker's thread: {@link #getEnv} once, {@link #getModel} once, then {@link
 * #predict} per batch, and {@link #close} once when the worker stops. All calls for one instance
 * come from one thread at a time, so an instance needs no locking.
 *
 * <p>Contract of {@code predict}: it receives 1 to {@code batch_size} inputs, from any number of
 * clients, in arrival order, and returns exactly one output per input in the same order. If it
 * throws, or returns the wrong number of outputs, every request of that batch gets a {@code
 * WORKER_FAILED} error and the worker goes on with the next batch. If it throws an {@link Error},
 * the worker is replaced: {@link #close} is called and a fresh instance loads the model again.
 *
 * <p>A subclass needs a public no-argument constructor to be started by {@code wkr-serving-start}.
 *
 * @param <M> the model type {@link #getModel} returns
 * @param <I> the input type: {@link io.wkr.protocol.Tensor} with the {@code numpy} protocol,
 *     any registered class with {@code obj}
 * @param <O> the output type
 */
public abstract class WKRHardWorker<M, I, O> {
    private WorkerContext context;
    private Logger logger = LoggerFactory.getLogger(WKRHardWorker.class);

    /** Called by the server once, before {@link #getEnv}. Not for user code. */
    public final void attach(WorkerContext context) {
        if (this.context != null) throw new IllegalStateException("worker already attached");
        this.context = Objects.requireNonNull(context, "context == null");
        this.logger = LoggerFactory.getLogger("wkr.worker." + context.workerId());
    }

    /**
     * Prepares the environment for a device: the place to pin the worker to {@code deviceId} and
     * to set up anything {@link #getModel} needs. The returned value is passed to {@code
     * getModel}. Default: {@code null}.
     */
    public Object getEnv(int deviceId, Path tmpDir) throws Exception {
        return null;
    }

    /**
     * Loads the model. An exception here fails the server's start-up with a clear message and a
     * non-zero exit; the server never waits forever for a worker.
     */
    public abstract M getModel(Object env, Path modelDir, String modelName, Path tmpDir) throws Exception;

    /** Runs one batch; see the class comment for the contract. */
    public abstract List<O> predict(M model, List<I> inputs) throws Exception;

    /** Releases the model when the worker stops or is replaced. Default: nothing. */
    public void close(M model) throws Exception {}

    /**
     * The type every input must have; a request decoding to anything else is answered {@code
     * BAD_REQUEST} instead of reaching {@link #predict}. Default {@code Object}: no check. With
     * the {@code numpy} protocol inputs are always {@link io.wkr.protocol.Tensor}.
     */
    public Class<?> inputType() {
        return Object.class;
    }

    /**
     * The tensors this worker takes and gives, as the Open Inference Protocol (REST and gRPC)
     * shows and checks them; called once on a fresh instance before any model is loaded, so it
     * must not need one. Default {@code null}: one input {@code INPUT0} and one output {@code
     * OUTPUT0} derived from the protocol and {@link #inputType()} (docs/protocols.md), and any
     * datatype and shape a request sends is passed on.
     */
    public io.wkr.server.config.ModelSignature signature() {
        return null;
    }

    /**
     * Checks one decoded input before it joins a batch, on the worker's thread. Throw {@link
     * io.wkr.protocol.BadRequestException} to answer that request {@code BAD_REQUEST} with the
     * exception's message; the other requests of the batch go on to {@link #predict}. The place
     * for checks such as "the model takes float32 inputs of shape [4]". Default: accepts all.
     *
     * @throws io.wkr.protocol.BadRequestException when the input cannot be run
     */
    public void checkInput(I input) {}

    /**
     * Classes the {@code obj} (Kryo) protocol may carry besides the built-ins (strings, boxed
     * primitives, primitive arrays, lists, maps, tensors). Clients must register the same classes
     * in the same order. Default: none.
     */
    public List<Class<?>> objClasses() {
        return List.of();
    }

    /**
     * Records named numbers (for instance {@code preprocess_ms}); the server keeps count, mean,
     * min, max and last value per key and shows them in its status.
     */
    protected final void recordStatistic(Map<String, ? extends Number> values) {
        requireContext().statistics().accept(values);
    }

    /** This worker's logger, named {@code wkr.worker.<id>}. */
    protected final Logger logger() {
        return logger;
    }

    /** 0-based index of this worker. */
    public final int workerId() {
        return requireContext().workerId();
    }

    /** {@code -1} for the CPU, {@code k} for GPU k. */
    public final int deviceId() {
        return requireContext().deviceId();
    }

    /** The server's configuration (batch size, model dir, GPU memory fraction, ...). */
    public final ServerConfig config() {
        return requireContext().config();
    }

    private WorkerContext requireContext() {
        if (context == null) throw new IllegalStateException("worker is not attached to a server yet");
        return context;
    }
}

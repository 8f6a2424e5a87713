package io.wkr.server.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.wkr.protocol.DType;
import io.wkr.protocol.Tensor;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Serves a model that takes one tensor and returns one tensor per item: a batch of {@code n}
 * requests becomes one {@code [n, ...]} input and one forward pass. Used as it is, it serves a
 * TorchScript file with no code at all:
 *
 * <pre>
 * wkr-serving-start io.wkr.server.djl.DjlTensorWorker -cp 'examples/target/lib/*' \
 *     -model_dir models/ -model_name my_model -protocol numpy -batch_size 32
 * </pre>
 *
 * <p>Subclass it for a model whose architecture is built in code ({@link #block}) and to declare
 * what one input looks like ({@link #inputSpec}): requests that do not fit are answered {@code
 * BAD_REQUEST} and never reach the model. Without a spec, inputs of different dtypes or shapes in
 * one batch are run as separate forward passes, one per shape.
 *
 * <p>The input is copied once into a direct buffer the worker keeps and reuses (PyTorch reads it
 * in place on the CPU); each output is copied once into its reply.
 */
public class DjlTensorWorker extends DjlWorker<Tensor, Tensor> {
    private ByteBuffer staging;

    @Override
    public final Class<?> inputType() {
        return Tensor.class;
    }

    /** What one input must look like, or {@code null} (the default) for anything. */
    protected TensorSpec inputSpec() {
        return null;
    }

    @Override
    public void checkInput(Tensor input) {
        TensorSpec spec = inputSpec();
        if (spec != null) spec.check(input);
    }

    @Override
    protected List<Tensor> predict(DjlModel model, NDManager batch, List<Tensor> inputs) throws Exception {
        Map<Key, List<Integer>> groups = new LinkedHashMap<>();
        for (int i = 0; i < inputs.size(); i++) {
            Tensor t = inputs.get(i);
            groups.computeIfAbsent(new Key(t.dtype(), t.shape()), k -> new ArrayList<>()).add(i);
        }
        if (groups.size() == 1) return run(model, batch, inputs);
        Tensor[] out = new Tensor[inputs.size()];
        for (List<Integer> idx : groups.values()) {
            List<Tensor> part = new ArrayList<>(idx.size());
            for (int i : idx) part.add(inputs.get(i));
            List<Tensor> res = run(model, batch, part);
            for (int j = 0; j < idx.size(); j++) out[idx.get(j)] = res.get(j);
        }
        return Arrays.asList(out);
    }

    /** Stacks, runs {@link #forward}, splits: one forward pass for inputs of one shape. */
    private List<Tensor> run(DjlModel model, NDManager batch, List<Tensor> inputs) throws Exception {
        NDArray x = NDArrays.stack(batch, inputs, staging(inputs));
        NDList y = forward(model, new NDList(x));
        List<Tensor> out = outputs(y);
        if (out.size() != inputs.size()) {
            throw new IllegalStateException("the model returned " + out.size() + " items for a batch of " + inputs.size()
                    + "; its first output must have the batch as its first dimension");
        }
        return out;
    }

    /** Runs the model on a batch ({@code [n, ...]}). Default: the model's predictor. */
    protected NDList forward(DjlModel model, NDList batch) throws Exception {
        return model.predictor().predict(batch);
    }

    /** One tensor per item from the model's output. Default: the first output split along axis 0. */
    protected List<Tensor> outputs(NDList output) {
        return NDArrays.unstack(output.head());
    }

    private ByteBuffer staging(List<Tensor> inputs) {
        long bytes = (long) inputs.get(0).bytes().length * inputs.size();
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("batch of " + bytes + " bytes is too large");
        if (staging == null || staging.capacity() < bytes) {
            staging = ByteBuffer.allocateDirect((int) Math.max(bytes, staging == null ? 4096 : Math.min(Integer.MAX_VALUE, 2L * staging.capacity())));
        }
        return staging;
    }

    private record Key(DType dtype, List<Integer> shape) {
        Key(DType dtype, int[] shape) {
            this(dtype, Arrays.stream(shape).boxed().toList());
        }
    }
}

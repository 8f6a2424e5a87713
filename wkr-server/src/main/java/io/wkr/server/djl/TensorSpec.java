package io.wkr.server.djl;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.Tensor;
import java.util.Arrays;

/**
 * What one input of a model must look like: a dtype and a shape without the batch dimension, where
 * {@code -1} allows any size. {@link DjlTensorWorker} checks every request against it, so a
 * request that does not fit is answered {@code BAD_REQUEST} with a message that says what the
 * model takes, and never reaches the model or fails the other requests of its batch.
 *
 * <pre>{@code
 * TensorSpec.of(DType.FLOAT32, 4)            // iris: 4 features
 * TensorSpec.of(DType.FLOAT32, 3, -1, -1)    // an image of any size, channels first
 * }</pre>
 *
 * @param dtype the element type every input must have
 * @param shape the shape of one input, {@code -1} for any size
 */
public record TensorSpec(DType dtype, int[] shape) {

    public TensorSpec {
        if (dtype == null) throw new IllegalArgumentException("dtype == null");
        shape = shape.clone();
        for (int d : shape) if (d < -1) throw new IllegalArgumentException("dimension < -1 in " + Arrays.toString(shape));
    }

    public static TensorSpec of(DType dtype, int... shape) {
        return new TensorSpec(dtype, shape);
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /**
     * @throws BadRequestException when {@code t} has another dtype, rank or size
     */
    public void check(Tensor t) {
        int[] s = t.shape();
        boolean fits = t.dtype() == dtype && s.length == shape.length;
        for (int i = 0; fits && i < s.length; i++) fits = shape[i] == -1 || shape[i] == s[i];
        if (!fits) {
            throw new BadRequestException("this model takes " + this + " inputs (one item, without a batch dimension), got "
                    + t.dtype().numpyName() + " " + Arrays.toString(s));
        }
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder(dtype.numpyName()).append(" [");
        for (int i = 0; i < shape.length; i++) b.append(i > 0 ? ", " : "").append(shape[i] == -1 ? "*" : Integer.toString(shape[i]));
        return b.append(']').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorSpec other && other.dtype == dtype && Arrays.equals(other.shape, shape);
    }

    @Override
    public int hashCode() {
        return dtype.hashCode() * 31 + Arrays.hashCode(shape);
    }
}

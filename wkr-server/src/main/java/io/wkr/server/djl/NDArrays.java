package io.wkr.server.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.wkr.protocol.DType;
import io.wkr.protocol.Tensor;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Converts between wkr {@link Tensor}s and DJL {@link NDArray}s with one copy each way, the least
 * the memory layout allows: a tensor's bytes live on the Java heap, an {@code NDArray}'s in
 * native (or GPU) memory. Going in, the bytes are copied once into a direct buffer that PyTorch
 * uses in place ({@code from_blob}, no second copy on the CPU); coming out, they are copied once
 * from a direct view of the result's memory into the tensor.
 *
 * <pre>{@code
 * try (NDManager batch = model.getNDManager().newSubManager()) {
 *     NDArray x = NDArrays.stack(batch, inputs, null);     // [n, ...shape]
 *     List<Tensor> out = NDArrays.unstack(forward(x));     // n tensors of shape [...]
 * }                                                        // frees every NDArray of the batch
 * }</pre>
 *
 * <p>Both sides are little-endian on the platforms libtorch ships for (x86-64, aarch64); the
 * conversions check it.
 */
public final class NDArrays {
    private NDArrays() {}

    static {
        if (ByteOrder.nativeOrder() != ByteOrder.LITTLE_ENDIAN) {
            throw new ExceptionInInitializerError("wkr's DJL support needs a little-endian platform");
        }
    }

    /**
     * The DJL data type for a wkr dtype.
     *
     * @throws IllegalArgumentException for a dtype DJL has no type for (none today)
     */
    public static DataType dataType(DType dtype) {
        return switch (dtype) {
            case BOOL -> DataType.BOOLEAN;
            case INT8 -> DataType.INT8;
            case UINT8 -> DataType.UINT8;
            case INT16 -> DataType.INT16;
            case UINT16 -> DataType.UINT16;
            case INT32 -> DataType.INT32;
            case UINT32 -> DataType.UINT32;
            case INT64 -> DataType.INT64;
            case UINT64 -> DataType.UINT64;
            case FLOAT16 -> DataType.FLOAT16;
            case FLOAT32 -> DataType.FLOAT32;
            case FLOAT64 -> DataType.FLOAT64;
        };
    }

    /**
     * The wkr dtype for a DJL data type.
     *
     * @throws IllegalArgumentException for types the numpy protocol cannot carry (bfloat16,
     *     complex, string)
     */
    public static DType dtype(DataType type) {
        return switch (type) {
            case BOOLEAN -> DType.BOOL;
            case INT8 -> DType.INT8;
            case UINT8 -> DType.UINT8;
            case INT16 -> DType.INT16;
            case UINT16 -> DType.UINT16;
            case INT32 -> DType.INT32;
            case UINT32 -> DType.UINT32;
            case INT64 -> DType.INT64;
            case UINT64 -> DType.UINT64;
            case FLOAT16 -> DType.FLOAT16;
            case FLOAT32 -> DType.FLOAT32;
            case FLOAT64 -> DType.FLOAT64;
            default -> throw new IllegalArgumentException("a " + type + " NDArray cannot be sent as a tensor; "
                    + "convert it (for instance toType(DataType.FLOAT32, false)) first");
        };
    }

    /** The DJL shape of a tensor. */
    public static Shape shape(Tensor t) {
        return new Shape(Arrays.stream(t.shape()).asLongStream().toArray());
    }

    /** One tensor as an {@code NDArray} owned by {@code manager}, on the manager's device. */
    public static NDArray toNDArray(NDManager manager, Tensor t) {
        ByteBuffer buf = manager.allocateDirect(t.bytes().length);
        buf.put(t.bytes()).flip();
        return manager.create(buf.order(ByteOrder.nativeOrder()), shape(t), dataType(t.dtype()));
    }

    /**
     * Stacks equally shaped tensors into one {@code NDArray} of shape {@code [n, ...shape]} owned
     * by {@code manager}, copying each tensor's bytes once.
     *
     * @param staging a direct buffer to copy into, reused across batches by the caller, or {@code
     *     null} to allocate one; it must not be written to while the returned array is alive (on
     *     the CPU the array uses its memory in place)
     * @throws IllegalArgumentException when the list is empty or dtypes or shapes differ, or
     *     {@code staging} is too small or not direct
     */
    public static NDArray stack(NDManager manager, List<Tensor> items, ByteBuffer staging) {
        if (items.isEmpty()) throw new IllegalArgumentException("nothing to stack");
        Tensor first = items.get(0);
        int[] itemShape = first.shape();
        long bytes = (long) first.bytes().length * items.size();
        if (bytes > Integer.MAX_VALUE) throw new IllegalArgumentException("batch of " + bytes + " bytes is too large");
        ByteBuffer buf = staging != null ? staging : manager.allocateDirect((int) bytes);
        if (!buf.isDirect()) throw new IllegalArgumentException("staging buffer is not direct");
        if (buf.capacity() < bytes) throw new IllegalArgumentException("staging buffer holds " + buf.capacity() + " bytes, need " + bytes);
        buf.clear();
        for (Tensor t : items) {
            if (t.dtype() != first.dtype() || !Arrays.equals(t.shape(), itemShape)) {
                throw new IllegalArgumentException("cannot stack " + t + " with " + first);
            }
            buf.put(t.bytes());
        }
        buf.flip();
        long[] shape = new long[itemShape.length + 1];
        shape[0] = items.size();
        for (int i = 0; i < itemShape.length; i++) shape[i + 1] = itemShape[i];
        // A slice, so the buffer's limit and position do not matter to DJL's size check.
        ByteBuffer data = buf.slice().order(ByteOrder.nativeOrder());
        return manager.create(data, new Shape(shape), dataType(first.dtype()));
    }

    /** An {@code NDArray} (any device) as a tensor; one copy into the heap. */
    public static Tensor toTensor(NDArray array) {
        DType dtype = dtype(array.getDataType());
        ByteBuffer view = array.toByteBuffer(true);
        byte[] out = new byte[view.remaining()];
        view.get(out);
        return Tensor.wrap(dtype, intShape(array.getShape()), out);
    }

    /**
     * Splits an {@code NDArray} of shape {@code [n, ...]} into {@code n} tensors of shape {@code
     * [...]}, the inverse of {@link #stack}; one copy per item, from one view of the array's
     * memory.
     */
    public static List<Tensor> unstack(NDArray array) {
        Shape shape = array.getShape();
        if (shape.dimension() == 0) throw new IllegalArgumentException("a scalar NDArray has no first dimension to split");
        DType dtype = dtype(array.getDataType());
        int n = Math.toIntExact(shape.get(0));
        int[] itemShape = intShape(shape.slice(1));
        ByteBuffer view = array.toByteBuffer(true);
        int itemBytes = n == 0 ? 0 : view.remaining() / n;
        List<Tensor> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            byte[] item = new byte[itemBytes];
            view.get(item);
            out.add(Tensor.wrap(dtype, itemShape, item));
        }
        return out;
    }

    private static int[] intShape(Shape shape) {
        int[] out = new int[shape.dimension()];
        for (int i = 0; i < out.length; i++) out[i] = Math.toIntExact(shape.get(i));
        return out;
    }
}

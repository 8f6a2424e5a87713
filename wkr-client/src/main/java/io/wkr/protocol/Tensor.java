package io.wkr.protocol;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * A light n-dimensional array: a {@link DType}, a shape and little-endian bytes. It is what the
 * {@code numpy} protocol carries (the bytes are a numpy array's raw memory) and converts to and
 * from Java arrays; the DJL support converts it to and from {@code NDArray}.
 *
 * <pre>{@code
 * Tensor x = Tensor.of(new float[] {1, 2, 3, 4}, 2, 2);
 * float[] back = x.toFloatArray();
 * }</pre>
 *
 * <p>A tensor is immutable by contract: the byte array is shared, not copied, when a tensor is
 * built from received frames ({@link #wrap}) or sent; do not modify it afterwards.
 */
public final class Tensor {
    private final DType dtype;
    private final int[] shape;
    private final byte[] data;

    private Tensor(DType dtype, int[] shape, byte[] data) {
        this.dtype = dtype;
        this.shape = shape;
        this.data = data;
    }

    /**
     * Wraps bytes without copying them.
     *
     * @throws BadRequestException when a dimension is negative or the byte count does not match
     *     the shape
     */
    public static Tensor wrap(DType dtype, int[] shape, byte[] data) {
        Objects.requireNonNull(dtype, "dtype == null");
        Objects.requireNonNull(shape, "shape == null");
        Objects.requireNonNull(data, "data == null");
        long expected = byteCount(dtype, shape);
        if (expected != data.length) {
            throw new BadRequestException("shape " + shapeText(shape) + " of " + dtype.numpyName()
                    + " needs " + expected + " bytes, got " + data.length);
        }
        return new Tensor(dtype, shape.clone(), data);
    }

    /**
     * The bytes a tensor of this dtype and shape holds.
     *
     * @throws BadRequestException when a dimension is negative or the element count exceeds
     *     2^31-1
     */
    static long byteCount(DType dtype, int[] shape) {
        long n = 1;
        for (int d : shape) {
            if (d < 0) throw new BadRequestException("negative dimension in shape " + shapeText(shape));
            if (d == 0) n = 0;
        }
        for (int d : shape) {
            n *= d; // both factors are below 2^31: no overflow
            if (n > Integer.MAX_VALUE) {
                throw new BadRequestException("shape " + shapeText(shape) + " has more than 2^31-1 elements");
            }
        }
        return n * dtype.byteSize();
    }

    /** {@code dtype [d0, d1, ...]}, shortened for error messages. */
    static String describe(DType dtype, int[] shape) {
        return dtype.numpyName() + " " + shapeText(shape);
    }

    /** {@code [d0, d1, ...]}, cut after about 64 characters. */
    private static String shapeText(int[] shape) {
        StringBuilder b = new StringBuilder("[");
        for (int k = 0; k < shape.length; k++) {
            if (b.length() > 64) return b.append("...(").append(shape.length).append(" dimensions)").toString();
            if (k > 0) b.append(", ");
            b.append(shape[k]);
        }
        return b.append(']').toString();
    }

    private static int[] shapeOr1d(int[] shape, int length) {
        return shape.length == 0 ? new int[] {length} : shape;
    }

    private static ByteBuffer allocate(int bytes) {
        return ByteBuffer.wrap(new byte[bytes]).order(ByteOrder.LITTLE_ENDIAN);
    }

    /** A float32 tensor; the shape defaults to {@code [data.length]}. */
    public static Tensor of(float[] data, int... shape) {
        ByteBuffer b = allocate(data.length * 4);
        b.asFloatBuffer().put(data);
        return wrap(DType.FLOAT32, shapeOr1d(shape, data.length), b.array());
    }

    /** A float64 tensor; the shape defaults to {@code [data.length]}. */
    public static Tensor of(double[] data, int... shape) {
        ByteBuffer b = allocate(data.length * 8);
        b.asDoubleBuffer().put(data);
        return wrap(DType.FLOAT64, shapeOr1d(shape, data.length), b.array());
    }

    /** An int32 tensor; the shape defaults to {@code [data.length]}. */
    public static Tensor of(int[] data, int... shape) {
        ByteBuffer b = allocate(data.length * 4);
        b.asIntBuffer().put(data);
        return wrap(DType.INT32, shapeOr1d(shape, data.length), b.array());
    }

    /** An int64 tensor; the shape defaults to {@code [data.length]}. */
    public static Tensor of(long[] data, int... shape) {
        ByteBuffer b = allocate(data.length * 8);
        b.asLongBuffer().put(data);
        return wrap(DType.INT64, shapeOr1d(shape, data.length), b.array());
    }

    /** A uint8 tensor over a copy of {@code data}; the shape defaults to {@code [data.length]}. */
    public static Tensor ofUint8(byte[] data, int... shape) {
        return wrap(DType.UINT8, shapeOr1d(shape, data.length), data.clone());
    }

    /**
     * Stacks equally shaped tensors into one of shape {@code [n, ...shape]}, as numpy's {@code
     * np.stack} (and the original's batching) does.
     *
     * @throws IllegalArgumentException when the list is empty or dtypes or shapes differ
     */
    public static Tensor stack(List<Tensor> items) {
        if (items.isEmpty()) throw new IllegalArgumentException("nothing to stack");
        Tensor first = items.get(0);
        int[] shape = new int[first.shape.length + 1];
        shape[0] = items.size();
        System.arraycopy(first.shape, 0, shape, 1, first.shape.length);
        byte[] out = new byte[Math.multiplyExact(first.data.length, items.size())];
        int off = 0;
        for (Tensor t : items) {
            if (t.dtype != first.dtype || !Arrays.equals(t.shape, first.shape)) {
                throw new IllegalArgumentException("cannot stack " + t + " with " + first);
            }
            System.arraycopy(t.data, 0, out, off, t.data.length);
            off += t.data.length;
        }
        return new Tensor(first.dtype, shape, out);
    }

    /** The {@code i}-th slice along the first dimension (a copy), the inverse of {@link #stack}. */
    public Tensor get(int i) {
        if (shape.length == 0) throw new IllegalStateException("a scalar has no slices");
        Objects.checkIndex(i, shape[0]);
        int sliceBytes = shape[0] == 0 ? 0 : data.length / shape[0];
        byte[] out = Arrays.copyOfRange(data, i * sliceBytes, (i + 1) * sliceBytes);
        return new Tensor(dtype, Arrays.copyOfRange(shape, 1, shape.length), out);
    }

    public DType dtype() {
        return dtype;
    }

    /** A copy of the shape. */
    public int[] shape() {
        return shape.clone();
    }

    /** Number of elements: the product of the shape. */
    public int size() {
        int n = 1;
        for (int d : shape) n *= d;
        return n;
    }

    /** The little-endian bytes, not copied: do not modify. */
    public byte[] bytes() {
        return data;
    }

    /** A read-only little-endian view of the bytes. */
    public ByteBuffer buffer() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    public float[] toFloatArray() {
        require(DType.FLOAT32);
        float[] out = new float[size()];
        buffer().asFloatBuffer().get(out);
        return out;
    }

    public double[] toDoubleArray() {
        require(DType.FLOAT64);
        double[] out = new double[size()];
        buffer().asDoubleBuffer().get(out);
        return out;
    }

    public int[] toIntArray() {
        require(DType.INT32);
        int[] out = new int[size()];
        buffer().asIntBuffer().get(out);
        return out;
    }

    public long[] toLongArray() {
        require(DType.INT64);
        long[] out = new long[size()];
        buffer().asLongBuffer().get(out);
        return out;
    }

    private void require(DType wanted) {
        if (dtype != wanted) {
            throw new IllegalStateException("tensor is " + dtype.numpyName() + ", not " + wanted.numpyName());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t && t.dtype == dtype && Arrays.equals(t.shape, shape) && Arrays.equals(t.data, data);
    }

    @Override
    public int hashCode() {
        return (dtype.hashCode() * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "Tensor[" + dtype.numpyName() + " " + Arrays.toString(shape) + "]";
    }
}

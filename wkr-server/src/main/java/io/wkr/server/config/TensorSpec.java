package io.wkr.server.config;

import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One input or output of a model as the Open Inference Protocol describes it: a name, a datatype
 * ({@code BOOL}, {@code UINT8} .. {@code UINT64}, {@code INT8} .. {@code INT64}, {@code FP16},
 * {@code FP32}, {@code FP64} or {@code BYTES}) and a shape, {@code -1} for a dimension of any size.
 * A worker declares its tensors with {@link ModelSignature}; {@code /v2/models/{m}}, Triton's
 * {@code config} and gRPC's {@code ModelMetadata} show them, and an inference request must match
 * them.
 *
 * @param name the tensor's name (non-empty)
 * @param datatype one of the datatypes above
 * @param shape dimensions, each {@code >= 0} or {@code -1}
 */
public record TensorSpec(String name, String datatype, List<Long> shape) {
    /** The datatypes of the Open Inference Protocol that wkr carries. */
    public static final Set<String> DATATYPES = Set.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16",
            "INT32", "INT64", "FP16", "FP32", "FP64", "BYTES");

    public TensorSpec {
        Objects.requireNonNull(name, "name == null");
        if (name.isBlank()) throw new IllegalArgumentException("a tensor name is blank");
        Objects.requireNonNull(datatype, "datatype == null");
        if (!DATATYPES.contains(datatype)) {
            throw new IllegalArgumentException("tensor " + name + ": '" + datatype + "' is not a datatype; use one of "
                    + "BOOL, UINT8, UINT16, UINT32, UINT64, INT8, INT16, INT32, INT64, FP16, FP32, FP64, BYTES");
        }
        shape = List.copyOf(shape);
        for (long d : shape) {
            if (d < -1) throw new IllegalArgumentException("tensor " + name + ": dimension " + d + " < -1");
        }
    }

    /** A tensor spec; {@code shape} as {@code long}s, {@code -1} for any size. */
    public static TensorSpec of(String name, String datatype, long... shape) {
        return new TensorSpec(name, datatype, java.util.Arrays.stream(shape).boxed().toList());
    }

    /** True when a tensor of this shape fits: the same rank, and each fixed dimension equal. */
    public boolean accepts(int[] actual) {
        if (actual.length != shape.size()) return false;
        for (int i = 0; i < actual.length; i++) {
            long d = shape.get(i);
            if (d != -1 && d != actual[i]) return false;
        }
        return true;
    }
}

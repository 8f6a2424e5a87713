package io.wkr.server.internal.oip;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.server.config.ModelSignature;
import io.wkr.server.config.TensorSpec;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one model a server serves through the Open Inference Protocol: its name, its signature
 * (declared by the worker, or derived from the protocol and the worker's input type), how a
 * request's tensors become the worker's input, and how a result becomes output tensors. Both faces
 * of the protocol use it: the REST routes and the gRPC service decode their own encodings into
 * {@link Input}s and encode {@link Output}s; everything between is here, so both check and answer
 * alike.
 */
public final class OipModel {
    public static final String VERSION = "1";
    public static final String PLATFORM = "wkr";
    public static final String DEFAULT_INPUT = "INPUT0";
    public static final String DEFAULT_OUTPUT = "OUTPUT0";

    /**
     * One input tensor of a request: numeric elements in {@code tensor}, or {@code BYTES} elements
     * ({@code String} or {@code byte[]}) in {@code elements}. {@code field} names it in errors
     * ({@code inputs[0]}).
     */
    public record Input(String name, String datatype, int[] shape, Tensor tensor, List<Object> elements, String field) {}

    /** One output tensor: numeric elements in {@code tensor}, or JSON-like elements in {@code elements}. */
    public record Output(String name, String datatype, int[] shape, Tensor tensor, List<?> elements) {
        /** The elements as raw contents: little-endian, row-major; {@code BYTES} length-prefixed. */
        public byte[] raw() {
            if (tensor != null) return tensor.bytes();
            if (datatype.equals(OipTensors.BYTES)) return OipTensors.rawBytes(elements);
            DType dtype = OipTensors.dtype(datatype, "the result's datatype");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            for (Object v : elements) {
                byte[] one = OipTensors.fromJson(dtype, new int[] {1}, List.of(v), "the result").bytes();
                out.write(one, 0, one.length);
            }
            return out.toByteArray();
        }

        /** The elements as JSON values ({@code BYTES} as text). */
        public List<Object> values() {
            if (tensor != null) return OipModel.values(tensor);
            List<Object> out = new ArrayList<>(elements.size());
            for (Object v : elements) out.add(datatype.equals(OipTensors.BYTES) ? OipTensors.text(v) : v);
            return out;
        }
    }

    private final String name;
    private final Protocol protocol;
    private final Class<?> inputType;
    private final ModelSignature signature;
    private final boolean declared;

    /**
     * @param declared the worker's signature, or null to derive one
     * @throws IllegalArgumentException when a {@code numpy} server's signature cannot be served
     */
    public OipModel(String name, Protocol protocol, Class<?> inputType, ModelSignature declared) {
        this.name = Objects.requireNonNull(name, "name");
        this.protocol = protocol;
        this.inputType = inputType;
        this.declared = declared != null;
        this.signature = declared != null ? declared : derived(protocol);
        if (protocol == Protocol.NUMPY && declared != null) {
            if (declared.inputs().size() != 1 || declared.inputs().get(0).datatype().equals(OipTensors.BYTES)) {
                throw new IllegalArgumentException("a numpy server's worker takes one numeric tensor: its signature must "
                        + "declare one input that is not BYTES, got " + declared.inputs());
            }
        }
    }

    /** The served model's name: {@code -model_name}, or else the worker class's simple name. */
    public static String name(String modelName, String workerName) {
        return modelName != null && !modelName.isBlank() ? modelName : workerName;
    }

    /** The signature of a worker that declares none: {@code INPUT0} and {@code OUTPUT0} of any shape. */
    private static ModelSignature derived(Protocol protocol) {
        String datatype = protocol == Protocol.NUMPY ? "FP32" : OipTensors.BYTES;
        return ModelSignature.of(TensorSpec.of(DEFAULT_INPUT, datatype, -1), TensorSpec.of(DEFAULT_OUTPUT, datatype, -1));
    }

    public String name() {
        return name;
    }

    public ModelSignature signature() {
        return signature;
    }

    /** A request's tensors checked against the signature, as the worker's input. */
    public Object workerInput(List<Input> inputs) {
        List<TensorSpec> specs = signature.inputs();
        if (inputs.size() != specs.size()) {
            throw new BadRequestException("'inputs' must hold " + specs.size() + " tensor" + (specs.size() == 1 ? "" : "s")
                    + ": this model's input" + (specs.size() == 1 ? " is " : "s are ") + names(specs) + ", got " + inputs.size());
        }
        Map<String, Object> byName = new LinkedHashMap<>();
        for (Input in : inputs) {
            TensorSpec spec = spec(specs, in.name());
            if (spec == null) {
                throw new BadRequestException(in.field() + ".name '" + OipTensors.quote(in.name(), OipTensors.QUOTE)
                        + "' is not an input of this model: " + names(specs));
            }
            if (byName.containsKey(spec.name())) throw new BadRequestException(in.field() + ": input " + spec.name() + " is sent twice");
            if (declared && !spec.datatype().equals(in.datatype())) {
                throw new BadRequestException(in.field() + ".datatype must be " + spec.datatype() + " for input " + spec.name()
                        + ", got " + in.datatype());
            }
            if (declared && !spec.accepts(in.shape())) {
                throw new BadRequestException(in.field() + ".shape " + Arrays.toString(in.shape()) + " does not fit input "
                        + spec.name() + "'s shape " + spec.shape() + " (-1: any size)");
            }
            byName.put(spec.name(), in);
        }
        if (specs.size() == 1) return single((Input) byName.values().iterator().next());
        Map<String, Object> all = new LinkedHashMap<>();
        for (TensorSpec s : specs) all.put(s.name(), map((Input) byName.get(s.name())));
        return all;
    }

    /** The input of a one-input worker (see {@link ModelSignature}). */
    private Object single(Input in) {
        if (protocol == Protocol.NUMPY) {
            if (in.tensor() == null) {
                throw new BadRequestException(in.field() + ".datatype BYTES needs an obj server (-protocol obj): a numpy "
                        + "server's inputs are numeric tensors");
            }
            return in.tensor();
        }
        if (in.tensor() == null && in.elements().size() == 1) {
            if (inputType == String.class) return OipTensors.text(in.elements().get(0));
            if (inputType == byte[].class) return OipTensors.bytes(in.elements().get(0));
        }
        if (in.tensor() != null && inputType.isAssignableFrom(Tensor.class) && inputType != Object.class) return in.tensor();
        return map(in);
    }

    /** An input as {@code {"name", "datatype", "shape", "data"}}, the data flat ({@code BYTES} as text). */
    private static Map<String, Object> map(Input in) {
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("name", in.name());
        obj.put("datatype", in.datatype());
        obj.put("shape", Arrays.stream(in.shape()).boxed().toList());
        obj.put("data", in.tensor() != null ? values(in.tensor())
                : in.elements().stream().map(OipTensors::text).map(Object.class::cast).toList());
        return obj;
    }

    /** Checks the names of requested outputs (the field's index in errors): each must be an output. */
    public void checkRequested(String name, String field) {
        if (spec(signature.outputs(), name) == null) {
            throw new BadRequestException(field + " '" + OipTensors.quote(name, OipTensors.QUOTE)
                    + "' is not an output of this model: " + names(signature.outputs()));
        }
    }

    /**
     * A result as output tensors, in the signature's order, only those in {@code requested} when it
     * is not empty. A one-output worker's result is that output; a several-output worker's result
     * must be a map from output name to each.
     *
     * @throws IllegalStateException when a several-output worker's result is not such a map
     */
    public List<Output> outputs(Object result, List<String> requested) {
        List<TensorSpec> specs = signature.outputs();
        List<Output> out = new ArrayList<>(specs.size());
        if (specs.size() == 1) {
            out.add(output(specs.get(0).name(), result));
            return out;
        }
        if (!(result instanceof Map<?, ?> m)) {
            throw new IllegalStateException("the worker declares " + specs.size() + " outputs " + names(specs)
                    + " but returned a " + (result == null ? "null" : result.getClass().getSimpleName()) + ", not a map of them");
        }
        for (TensorSpec s : specs) {
            if (!requested.isEmpty() && !requested.contains(s.name())) continue;
            if (!m.containsKey(s.name())) throw new IllegalStateException("the worker's result has no output " + s.name());
            out.add(output(s.name(), m.get(s.name())));
        }
        return out;
    }

    /**
     * One result as a tensor: a wkr tensor; a map with {@code datatype}, {@code shape} and {@code
     * data} (an {@code obj} worker echoing its input); a primitive array; a list (of strings {@code
     * BYTES}, of integers {@code INT64}, of other numbers {@code FP64}); a string, byte array,
     * number or boolean as one element.
     */
    static Output output(String name, Object v) {
        if (v instanceof Tensor t) return new Output(name, OipTensors.datatype(t.dtype()), t.shape(), t, null);
        if (v instanceof Map<?, ?> m && m.get("datatype") instanceof String d && m.get("data") instanceof List<?> data
                && m.get("shape") instanceof List<?> s) {
            int[] shape = OipTensors.shape(s, "the result's shape");
            DType dtype = OipTensors.dtype(d, "the result's datatype");
            List<Object> flat = OipTensors.flatten(data, "data");
            return dtype == null ? new Output(name, d, shape, null, flat)
                    : new Output(name, d, shape, OipTensors.fromJson(dtype, shape, flat, "data"), null);
        }
        if (v instanceof float[] a) return array(name, DType.FLOAT32, a.length, b -> b.asFloatBuffer().put(a));
        if (v instanceof double[] a) return array(name, DType.FLOAT64, a.length, b -> b.asDoubleBuffer().put(a));
        if (v instanceof int[] a) return array(name, DType.INT32, a.length, b -> b.asIntBuffer().put(a));
        if (v instanceof long[] a) return array(name, DType.INT64, a.length, b -> b.asLongBuffer().put(a));
        if (v instanceof byte[] b) return new Output(name, OipTensors.BYTES, new int[] {1}, null, List.of(b));
        if (v instanceof List<?> list) {
            boolean strings = list.stream().allMatch(e -> e instanceof String || e instanceof byte[]);
            boolean integers = list.stream().allMatch(e -> e instanceof Integer || e instanceof Long);
            return new Output(name, strings ? OipTensors.BYTES : integers ? "INT64" : "FP64", new int[] {list.size()}, null, list);
        }
        String d = v instanceof Boolean ? "BOOL" : v instanceof Integer || v instanceof Long ? "INT64"
                : v instanceof Number ? "FP64" : OipTensors.BYTES;
        return new Output(name, d, new int[] {1}, null, List.of(d.equals(OipTensors.BYTES) ? String.valueOf(v) : v));
    }

    /** A primitive array as a one-dimensional tensor, its elements written by {@code fill}. */
    private static Output array(String name, DType dtype, int n, java.util.function.Consumer<ByteBuffer> fill) {
        ByteBuffer b = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        fill.accept(b);
        return new Output(name, OipTensors.datatype(dtype), new int[] {n}, Tensor.wrap(dtype, new int[] {n}, b.array()), null);
    }

    /** A tensor's elements as JSON values, row-major. */
    public static List<Object> values(Tensor t) {
        ByteBuffer b = t.buffer().order(ByteOrder.LITTLE_ENDIAN);
        Object[] v = new Object[t.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = switch (t.dtype()) {
                case BOOL -> b.get() != 0;
                case INT8 -> (int) b.get();
                case UINT8 -> b.get() & 0xff;
                case INT16 -> (int) b.getShort();
                case UINT16 -> b.getShort() & 0xffff;
                case INT32 -> b.getInt();
                case UINT32 -> b.getInt() & 0xffff_ffffL;
                case INT64 -> b.getLong();
                case UINT64 -> new java.math.BigInteger(Long.toUnsignedString(b.getLong()));
                case FLOAT16 -> io.wkr.protocol.internal.Half.toFloat(b.getShort());
                case FLOAT32 -> b.getFloat();
                case FLOAT64 -> b.getDouble();
            };
        }
        return Arrays.asList(v);
    }

    private static TensorSpec spec(List<TensorSpec> specs, String name) {
        for (TensorSpec s : specs) if (s.name().equals(name)) return s;
        return null;
    }

    private static String names(List<TensorSpec> specs) {
        return specs.stream().map(TensorSpec::name).toList().toString();
    }
}

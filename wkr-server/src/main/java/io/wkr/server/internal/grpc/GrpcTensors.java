package io.wkr.server.internal.grpc;

import com.google.protobuf.ByteString;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.oip.InferTensorContents;
import io.wkr.protocol.oip.ModelInferRequest;
import io.wkr.protocol.oip.ModelInferResponse;
import io.wkr.server.internal.oip.OipModel;
import io.wkr.server.internal.oip.OipTensors;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code ModelInfer}'s tensors: request inputs (typed {@code contents} or {@code
 * raw_input_contents}) as {@link OipModel.Input}s, and outputs as response tensors (raw when the
 * request was raw, or when an output has no typed field). Every error names its field ({@code
 * inputs[0].contents.fp32_contents}).
 */
final class GrpcTensors {
    private GrpcTensors() {}

    /** The request's inputs, checked for datatype, shape and element count. */
    static List<OipModel.Input> inputs(ModelInferRequest request) {
        int n = request.getInputsCount();
        int raws = request.getRawInputContentsCount();
        if (raws != 0 && raws != n) {
            throw new BadRequestException("raw_input_contents has " + raws + " entries but inputs has " + n
                    + ": send one per input, in the order of inputs");
        }
        List<OipModel.Input> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            ModelInferRequest.InferInputTensor t = request.getInputs(i);
            String field = "inputs[" + i + "]";
            DType dtype = OipTensors.dtype(t.getDatatype(), field + ".datatype");
            int[] shape = shape(t.getShapeList(), field + ".shape");
            long count = OipTensors.elements(shape, field + ".shape");
            if (raws != 0) {
                if (t.hasContents()) throw new BadRequestException(field + ".contents is set but raw_input_contents is used");
                byte[] raw = request.getRawInputContents(i).toByteArray();
                String rawField = "raw_input_contents[" + i + "]";
                out.add(dtype == null
                        ? new OipModel.Input(t.getName(), t.getDatatype(), shape, null, OipTensors.bytesElements(raw, count, rawField), field)
                        : new OipModel.Input(t.getName(), t.getDatatype(), shape, OipTensors.fromBinary(dtype, shape, raw, rawField),
                                null, field));
                continue;
            }
            InferTensorContents c = t.getContents();
            int have = typedCount(c, t.getDatatype(), field + ".contents");
            if (have != count) {
                throw new BadRequestException(field + ".contents has " + have + " elements but " + field + ".shape "
                        + Arrays.toString(shape) + " holds " + count);
            }
            if (dtype == null) {
                List<Object> elements = new ArrayList<>(have);
                for (ByteString b : c.getBytesContentsList()) elements.add(b.toByteArray());
                out.add(new OipModel.Input(t.getName(), t.getDatatype(), shape, null, elements, field));
            } else {
                out.add(new OipModel.Input(t.getName(), t.getDatatype(), shape, typed(c, dtype, shape, have, field + ".contents"),
                        null, field));
            }
        }
        return out;
    }

    private static int[] shape(List<Long> dims, String field) {
        if (dims.size() > OipTensors.MAX_DIMS) {
            throw new BadRequestException(field + " has " + dims.size() + " dimensions; at most " + OipTensors.MAX_DIMS);
        }
        int[] shape = new int[dims.size()];
        for (int i = 0; i < shape.length; i++) {
            long d = dims.get(i);
            if (d < 0 || d > Integer.MAX_VALUE) throw new BadRequestException(field + "[" + i + "] must be an integer >= 0, got " + d);
            shape[i] = (int) d;
        }
        return shape;
    }

    /** How many elements the contents field of the datatype holds; every other field must be empty. */
    private static int typedCount(InferTensorContents c, String datatype, String field) {
        String want = switch (datatype) {
            case "BOOL" -> "bool_contents";
            case "INT8", "INT16", "INT32" -> "int_contents";
            case "INT64" -> "int64_contents";
            case "UINT8", "UINT16", "UINT32" -> "uint_contents";
            case "UINT64" -> "uint64_contents";
            case "FP32" -> "fp32_contents";
            case "FP64" -> "fp64_contents";
            case OipTensors.BYTES -> "bytes_contents";
            default -> throw new BadRequestException(field + ": " + datatype + " has no typed contents field; send it in "
                    + "raw_input_contents");
        };
        int[] sizes = {c.getBoolContentsCount(), c.getIntContentsCount(), c.getInt64ContentsCount(), c.getUintContentsCount(),
                c.getUint64ContentsCount(), c.getFp32ContentsCount(), c.getFp64ContentsCount(), c.getBytesContentsCount()};
        String[] names = {"bool_contents", "int_contents", "int64_contents", "uint_contents", "uint64_contents",
                "fp32_contents", "fp64_contents", "bytes_contents"};
        int n = 0;
        for (int i = 0; i < names.length; i++) {
            if (names[i].equals(want)) {
                n = sizes[i];
            } else if (sizes[i] > 0) {
                throw new BadRequestException(field + "." + names[i] + " is set but a " + datatype + " tensor's elements go in "
                        + field + "." + want);
            }
        }
        return n;
    }

    /**
     * A numeric tensor straight from its typed field, element by element without boxing, with the
     * range checks of JSON data: nothing is wrapped, and floats must be finite.
     */
    private static Tensor typed(InferTensorContents c, DType dtype, int[] shape, int n, String field) {
        ByteBuffer b = ByteBuffer.allocate(n * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            switch (dtype) {
                case BOOL -> b.put((byte) (c.getBoolContents(i) ? 1 : 0));
                case INT8 -> b.put((byte) range(c.getIntContents(i), Byte.MIN_VALUE, Byte.MAX_VALUE, field, i));
                case INT16 -> b.putShort((short) range(c.getIntContents(i), Short.MIN_VALUE, Short.MAX_VALUE, field, i));
                case INT32 -> b.putInt(c.getIntContents(i));
                case INT64 -> b.putLong(c.getInt64Contents(i));
                case UINT8 -> b.put((byte) range(Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xff, field, i));
                case UINT16 -> b.putShort((short) range(Integer.toUnsignedLong(c.getUintContents(i)), 0, 0xffff, field, i));
                case UINT32 -> b.putInt(c.getUintContents(i));
                case UINT64 -> b.putLong(c.getUint64Contents(i));
                case FLOAT32 -> b.putFloat((float) finite(c.getFp32Contents(i), field, i));
                case FLOAT64 -> b.putDouble(finite(c.getFp64Contents(i), field, i));
                case FLOAT16 -> throw new IllegalStateException("FP16 has no typed field");
            }
        }
        return Tensor.wrap(dtype, shape, b.array());
    }

    private static long range(long v, long min, long max, String field, int i) {
        if (v < min || v > max) throw new BadRequestException(field + "[" + i + "] " + v + " is out of range [" + min + ", " + max + "]");
        return v;
    }

    private static double finite(double v, String field, int i) {
        if (!Double.isFinite(v)) throw new BadRequestException(field + "[" + i + "] " + v + " is out of range");
        return v;
    }

    /** Adds the outputs to a response: raw contents when {@code raw}, else typed (FP16 is always raw, then all are). */
    static void outputs(List<OipModel.Output> outputs, boolean raw, ModelInferResponse.Builder response) {
        boolean allRaw = raw || outputs.stream().anyMatch(o -> o.datatype().equals("FP16"));
        for (OipModel.Output o : outputs) {
            ModelInferResponse.InferOutputTensor.Builder t = ModelInferResponse.InferOutputTensor.newBuilder()
                    .setName(o.name()).setDatatype(o.datatype());
            for (int d : o.shape()) t.addShape(d);
            if (allRaw) {
                response.addRawOutputContents(ByteString.copyFrom(o.raw()));
            } else {
                t.setContents(contents(o));
            }
            response.addOutputs(t);
        }
    }

    private static InferTensorContents contents(OipModel.Output o) {
        InferTensorContents.Builder c = InferTensorContents.newBuilder();
        if (o.datatype().equals(OipTensors.BYTES)) {
            for (Object v : o.elements()) c.addBytesContents(ByteString.copyFrom(OipTensors.bytes(v)));
            return c.build();
        }
        Tensor t = o.tensor() != null ? o.tensor()
                : OipTensors.fromJson(OipTensors.dtype(o.datatype(), "the result"), o.shape(), new ArrayList<>(o.elements()), "the result");
        java.nio.ByteBuffer b = t.buffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        int n = t.size();
        for (int i = 0; i < n; i++) {
            switch (t.dtype()) {
                case BOOL -> c.addBoolContents(b.get() != 0);
                case INT8 -> c.addIntContents(b.get());
                case INT16 -> c.addIntContents(b.getShort());
                case INT32 -> c.addIntContents(b.getInt());
                case INT64 -> c.addInt64Contents(b.getLong());
                case UINT8 -> c.addUintContents(b.get() & 0xff);
                case UINT16 -> c.addUintContents(b.getShort() & 0xffff);
                case UINT32 -> c.addUintContents(b.getInt());
                case UINT64 -> c.addUint64Contents(b.getLong());
                case FLOAT32 -> c.addFp32Contents(b.getFloat());
                case FLOAT64 -> c.addFp64Contents(b.getDouble());
                case FLOAT16 -> throw new IllegalStateException("FP16 is sent raw");
            }
        }
        return c.build();
    }
}

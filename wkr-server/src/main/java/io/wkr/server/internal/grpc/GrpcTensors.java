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
            List<Object> values = typed(t.getContents(), t.getDatatype(), field + ".contents");
            if (values.size() != count) {
                throw new BadRequestException(field + ".contents has " + values.size() + " elements but " + field + ".shape "
                        + Arrays.toString(shape) + " holds " + count);
            }
            out.add(dtype == null ? new OipModel.Input(t.getName(), t.getDatatype(), shape, null, values, field)
                    : new OipModel.Input(t.getName(), t.getDatatype(), shape,
                            OipTensors.fromJson(dtype, shape, values, field + ".contents"), null, field));
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

    /** The elements of the contents field that fits the datatype; every other field must be empty. */
    private static List<Object> typed(InferTensorContents c, String datatype, String field) {
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
        for (int i = 0; i < names.length; i++) {
            if (sizes[i] > 0 && !names[i].equals(want)) {
                throw new BadRequestException(field + "." + names[i] + " is set but a " + datatype + " tensor's elements go in "
                        + field + "." + want);
            }
        }
        List<Object> out = new ArrayList<>();
        switch (want) {
            case "bool_contents" -> out.addAll(c.getBoolContentsList());
            case "int_contents" -> out.addAll(c.getIntContentsList());
            case "int64_contents" -> out.addAll(c.getInt64ContentsList());
            case "uint_contents" -> c.getUintContentsList().forEach(v -> out.add(Integer.toUnsignedLong(v)));
            case "uint64_contents" -> c.getUint64ContentsList().forEach(v -> out.add(new java.math.BigInteger(Long.toUnsignedString(v))));
            case "fp32_contents" -> c.getFp32ContentsList().forEach(v -> out.add((double) v));
            case "fp64_contents" -> out.addAll(c.getFp64ContentsList());
            default -> c.getBytesContentsList().forEach(v -> out.add(v.toByteArray()));
        }
        return out;
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

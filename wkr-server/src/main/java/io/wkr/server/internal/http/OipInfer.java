package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;

/**
 * One {@code POST /v2/models/{m}/infer}: its body (JSON, or with the binary tensor extension a
 * JSON header of {@code Inference-Header-Content-Length} bytes followed by raw tensors) becomes
 * the worker input, and {@link Reply} writes the result. The worker input is a {@link Tensor} on
 * a {@code numpy} server ({@code BYTES} is refused there), and on an {@code obj} server the
 * input tensor as a map {@code {"name", "datatype", "shape", "data"}} with the data flattened.
 */
final class OipInfer {
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private final String model;
    private final Protocol protocol;
    private final Exchange exchange;

    OipInfer(String model, Protocol protocol, Exchange exchange) {
        this.model = model;
        this.protocol = protocol;
        this.exchange = exchange;
    }

    /** The worker input of a body; sets the exchange's reply format to this request's. */
    Object input(byte[] body, Reservation reservation) {
        int headerLength = headerLength(body.length);
        byte[] header = headerLength == body.length ? body : Arrays.copyOf(body, headerLength);
        Object tree;
        try {
            tree = JsonTree.read(header, reservation);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("the body is not valid JSON: " + JsonInputs.quote(e.getOriginalMessage(), 200));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        if (!(tree instanceof Map<?, ?> request)) throw new BadRequestException("the body must be a JSON object with 'inputs'");
        Object id = request.get("id");
        if (id != null && !(id instanceof String)) throw new BadRequestException("'id' must be a string");
        boolean binaryOut = Boolean.TRUE.equals(param(request.get("parameters"), "binary_data_output", "parameters"));
        binaryOut |= outputs(request.get("outputs"));
        if (!(request.get("inputs") instanceof List<?> inputs) || inputs.size() != 1) {
            throw new BadRequestException("'inputs' must be a list of one tensor: this model has one input, '"
                    + OipRoutes.INPUT + "'");
        }
        Object input = input(inputs.get(0), "inputs[0]", body, headerLength, reservation);
        exchange.format(new Reply((String) id, model, binaryOut));
        return input;
    }

    /** The JSON header's length: the whole body unless {@code Inference-Header-Content-Length} says less. */
    private int headerLength(int bodyLength) {
        String v = exchange.request.getHeaders().get(HEADER_LENGTH);
        if (v == null) return bodyLength;
        try {
            int n = Integer.parseInt(v.strip());
            if (n >= 0 && n <= bodyLength) return n;
        } catch (NumberFormatException e) {
            // answered below
        }
        throw new BadRequestException(HEADER_LENGTH + " must be the JSON header's length, 0 to " + bodyLength
                + " (the body's), got '" + JsonInputs.quote(v, JsonInputs.QUOTE) + "'");
    }

    /** True when an {@code outputs} entry asks for binary data; fails on an output this model lacks. */
    private static boolean outputs(Object outputs) {
        if (outputs == null) return false;
        if (!(outputs instanceof List<?> list)) throw new BadRequestException("'outputs' must be a list");
        boolean binary = false;
        for (int i = 0; i < list.size(); i++) {
            if (!(list.get(i) instanceof Map<?, ?> o)) throw new BadRequestException("outputs[" + i + "] must be an object");
            if (!OipRoutes.OUTPUT.equals(o.get("name"))) {
                throw new BadRequestException("outputs[" + i + "].name: this model has one output, '" + OipRoutes.OUTPUT + "'");
            }
            binary |= Boolean.TRUE.equals(param(o.get("parameters"), "binary_data", "outputs[" + i + "].parameters"));
        }
        return binary;
    }

    private static Object param(Object parameters, String key, String field) {
        if (parameters == null) return null;
        if (!(parameters instanceof Map<?, ?> m)) throw new BadRequestException("'" + field + "' must be an object");
        return m.get(key);
    }

    private Object input(Object value, String field, byte[] body, int headerLength, Reservation reservation) {
        if (!(value instanceof Map<?, ?> in)) throw new BadRequestException(field + " must be an object");
        if (!OipRoutes.INPUT.equals(in.get("name"))) {
            throw new BadRequestException(field + ".name must be '" + OipRoutes.INPUT + "', got " + in.get("name"));
        }
        if (!(in.get("datatype") instanceof String datatype)) throw new BadRequestException(field + ".datatype is missing");
        DType dtype = OipTensors.dtype(datatype, field + ".datatype");
        int[] shape = OipTensors.shape(in.get("shape"), field + ".shape");
        long count = OipTensors.elements(shape, field + ".shape");
        Object size = param(in.get("parameters"), "binary_data_size", field + ".parameters");
        List<Object> values = null;
        Tensor tensor = null;
        if (size != null) {
            byte[] raw = binary(in, size, field, body, headerLength, reservation);
            if (dtype == null) values = OipTensors.bytesElements(raw, count, field + " binary data");
            else tensor = OipTensors.fromBinary(dtype, shape, raw, field + " binary data");
        } else {
            if (headerLength != body.length) {
                throw new BadRequestException(field + ": binary data follows the JSON header but the input has no "
                        + "parameters.binary_data_size");
            }
            values = jsonData(in.get("data"), dtype == null, shape, count, field);
            if (dtype != null) {
                reservation.charge(count * dtype.byteSize());
                tensor = OipTensors.fromJson(dtype, shape, values, field + ".data");
            }
        }
        if (protocol == Protocol.NUMPY) {
            if (tensor == null) {
                throw new BadRequestException(field + ".datatype BYTES needs an obj server (-protocol obj): a numpy "
                        + "server's inputs are numeric tensors");
            }
            return tensor;
        }
        Map<String, Object> obj = new LinkedHashMap<>();
        obj.put("name", OipRoutes.INPUT);
        obj.put("datatype", datatype);
        obj.put("shape", Arrays.stream(shape).boxed().toList());
        obj.put("data", tensor != null ? new Reply(null, null, false).values(tensor) : values);
        return obj;
    }

    /** The binary data of an input: the rest of the body after the JSON header, all of it. */
    private static byte[] binary(Map<?, ?> in, Object size, String field, byte[] body, int headerLength,
            Reservation reservation) {
        if (!(size instanceof Integer n) || n < 0 || n != body.length - headerLength) {
            throw new BadRequestException(field + ".parameters.binary_data_size must be the " + (body.length - headerLength)
                    + " bytes after the JSON header, got " + size);
        }
        if (in.get("data") != null) throw new BadRequestException(field + " has both 'data' and binary_data_size");
        reservation.charge(n);
        return Arrays.copyOfRange(body, headerLength, body.length);
    }

    /** The values of {@code data}, flat, as many as the shape holds (strings for BYTES). */
    private static List<Object> jsonData(Object data, boolean bytes, int[] shape, long count, String field) {
        List<Object> values = OipTensors.flatten(data, field + ".data");
        if (values.size() != count) {
            throw new BadRequestException(field + ".data has " + values.size() + " elements but " + field + ".shape "
                    + Arrays.toString(shape) + " holds " + count);
        }
        for (int i = 0; bytes && i < values.size(); i++) {
            if (!(values.get(i) instanceof String)) {
                throw new BadRequestException(field + ".data[" + i + "] must be a string for BYTES");
            }
        }
        return values;
    }

    /**
     * The answer: {@code {"model_name", "model_version", "id", "outputs": [{"name": "OUTPUT0",
     * "datatype", "shape", "data"}]}}, or with binary output the JSON header (the output's
     * {@code parameters.binary_data_size} instead of {@code data}) followed by its raw bytes.
     * Errors are {@code {"error": "<message>"}}. A result that is a {@link Tensor} is that tensor;
     * a map with {@code datatype}, {@code shape} and {@code data} (an {@code obj} worker echoing its
     * input) that tensor; a string, byte array, number or boolean a one-element tensor; a list of
     * strings {@code BYTES}, of integers {@code INT64}, of other numbers {@code FP64}.
     */
    static final class Reply implements ReplyFormat {
        private final String id;
        private final String model;
        private final boolean binary;

        Reply(String id, String model, boolean binary) {
            this.id = id;
            this.model = model;
            this.binary = binary;
        }

        @Override
        public byte[] error(ErrorCode code, String message) {
            try {
                return ResultJson.MAPPER.writeValueAsBytes(Map.of("error", message));
            } catch (JsonProcessingException e) {
                return "{\"error\":\"\"}".getBytes(StandardCharsets.UTF_8);
            }
        }

        @Override
        public String result(Object output, OutputStream out, HttpFields.Mutable headers) throws IOException {
            Out o = Out.of(output);
            byte[] raw = binary ? o.raw() : null;
            ByteArrayOutputStream head = new ByteArrayOutputStream(256);
            try (JsonGenerator g = ResultJson.MAPPER.getFactory().createGenerator(binary ? head : out)) {
                g.writeStartObject();
                g.writeStringField("model_name", model);
                g.writeStringField("model_version", "1");
                if (id != null) g.writeStringField("id", id);
                g.writeArrayFieldStart("outputs");
                g.writeStartObject();
                g.writeStringField("name", OipRoutes.OUTPUT);
                g.writeStringField("datatype", o.datatype);
                g.writeArrayFieldStart("shape");
                for (int d : o.shape) g.writeNumber(d);
                g.writeEndArray();
                if (binary) {
                    g.writeObjectFieldStart("parameters");
                    g.writeNumberField("binary_data_size", raw.length);
                    g.writeEndObject();
                } else {
                    g.writeFieldName("data");
                    ResultJson.MAPPER.writeValue(g, o.tensor != null ? values(o.tensor) : o.values.stream()
                            .map(v -> v instanceof byte[] b ? new String(b, StandardCharsets.UTF_8) : v).toList());
                }
                g.writeEndObject();
                g.writeEndArray();
                g.writeEndObject();
            }
            if (!binary) return "application/json";
            headers.put(HEADER_LENGTH, Integer.toString(head.size()));
            head.writeTo(out);
            out.write(raw);
            return "application/octet-stream";
        }

        /** A tensor's elements as JSON values, row-major. */
        List<Object> values(Tensor t) {
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
                    case FLOAT16 -> ResultJson.Half.toFloat(b.getShort());
                    case FLOAT32 -> b.getFloat();
                    case FLOAT64 -> b.getDouble();
                };
            }
            return Arrays.asList(v);
        }
    }

    /** A result as one output tensor: a wkr tensor, or JSON values with a datatype and a shape. */
    private record Out(String datatype, int[] shape, Tensor tensor, List<?> values) {
        static Out of(Object output) {
            if (output instanceof Tensor t) return new Out(OipTensors.datatype(t.dtype()), t.shape(), t, null);
            if (output instanceof Map<?, ?> m && m.get("datatype") instanceof String d && m.get("data") instanceof List<?> data
                    && m.get("shape") instanceof List<?> s) {
                int[] shape = OipTensors.shape(s, "the result's shape");
                DType dtype = OipTensors.dtype(d, "the result's datatype");
                return dtype == null ? new Out(d, shape, null, data)
                        : new Out(d, shape, OipTensors.fromJson(dtype, shape, OipTensors.flatten(data, "data"), "data"), null);
            }
            if (output instanceof byte[] b) return new Out(OipTensors.BYTES, new int[] {1}, null, List.of(b));
            if (output instanceof List<?> list) {
                boolean strings = list.stream().allMatch(v -> v instanceof String);
                boolean integers = list.stream().allMatch(v -> v instanceof Integer || v instanceof Long);
                return new Out(strings ? OipTensors.BYTES : integers ? "INT64" : "FP64", new int[] {list.size()}, null, list);
            }
            String d = output instanceof Boolean ? "BOOL" : output instanceof Integer || output instanceof Long ? "INT64"
                    : output instanceof Number ? "FP64" : OipTensors.BYTES;
            return new Out(d, new int[] {1}, null, List.of(d.equals(OipTensors.BYTES) ? String.valueOf(output) : output));
        }

        /** The raw little-endian bytes of the binary tensor extension (BYTES: 4-byte length, then the bytes). */
        byte[] raw() {
            if (tensor != null) return tensor.bytes();
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteBuffer len = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
            for (Object v : values) {
                if (datatype.equals(OipTensors.BYTES)) {
                    byte[] b = v instanceof byte[] a ? a : String.valueOf(v).getBytes(StandardCharsets.UTF_8);
                    out.write(len.clear().putInt(b.length).array(), 0, 4);
                    out.write(b, 0, b.length);
                } else {
                    DType dtype = OipTensors.dtype(datatype, "the result's datatype");
                    byte[] one = OipTensors.fromJson(dtype, new int[] {1}, List.of(v), "the result").bytes();
                    out.write(one, 0, one.length);
                }
            }
            return out.toByteArray();
        }
    }
}

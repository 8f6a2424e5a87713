package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.ErrorCode;
import io.wkr.server.internal.oip.OipModel;
import io.wkr.server.internal.oip.OipTensors;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jetty.http.HttpFields;

/**
 * One {@code POST /v2/models/{m}/infer}: its body (JSON, or with the binary tensor extension a
 * JSON header of {@code Inference-Header-Content-Length} bytes followed by the binary inputs' data
 * in their order) becomes {@link OipModel.Input}s, which the model checks and makes the worker
 * input of; {@link Reply} writes the result as the request asked (JSON data, or binary data for
 * every output or for those that ask).
 */
final class OipInfer {
    static final String HEADER_LENGTH = "Inference-Header-Content-Length";

    private final OipModel model;
    private final Exchange exchange;

    OipInfer(OipModel model, Exchange exchange) {
        this.model = model;
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
        boolean binaryAll = Boolean.TRUE.equals(param(request.get("parameters"), "binary_data_output", "parameters"));
        List<String> requested = new ArrayList<>();
        Set<String> binary = new HashSet<>();
        outputs(request.get("outputs"), requested, binary);
        if (!(request.get("inputs") instanceof List<?> inputs) || inputs.isEmpty()) {
            throw new BadRequestException("'inputs' must be a list of tensors: this model's inputs are "
                    + model.signature().inputs().stream().map(t -> t.name()).toList());
        }
        int[] offset = {headerLength};
        List<OipModel.Input> tensors = new ArrayList<>(inputs.size());
        for (int i = 0; i < inputs.size(); i++) {
            tensors.add(input(inputs.get(i), "inputs[" + i + "]", body, offset, reservation));
        }
        if (offset[0] != body.length) {
            throw new BadRequestException((body.length - offset[0]) + " bytes follow the JSON header and the inputs' "
                    + "binary data (their parameters.binary_data_size): send no more than the inputs' data");
        }
        Object input = model.workerInput(tensors);
        exchange.format(new Reply((String) id, model, binaryAll, binary, requested));
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

    /** The outputs a request names (all when none) and those it wants as binary data. */
    private void outputs(Object outputs, List<String> requested, Set<String> binary) {
        if (outputs == null) return;
        if (!(outputs instanceof List<?> list)) throw new BadRequestException("'outputs' must be a list");
        for (int i = 0; i < list.size(); i++) {
            String field = "outputs[" + i + "]";
            if (!(list.get(i) instanceof Map<?, ?> o)) throw new BadRequestException(field + " must be an object");
            if (!(o.get("name") instanceof String name)) throw new BadRequestException(field + ".name is missing");
            model.checkRequested(name, field + ".name");
            requested.add(name);
            if (Boolean.TRUE.equals(param(o.get("parameters"), "binary_data", field + ".parameters"))) binary.add(name);
        }
    }

    private static Object param(Object parameters, String key, String field) {
        if (parameters == null) return null;
        if (!(parameters instanceof Map<?, ?> m)) throw new BadRequestException("'" + field + "' must be an object");
        return m.get(key);
    }

    /** One input tensor; binary data is taken from {@code offset[0]} on, which moves past it. */
    private static OipModel.Input input(Object value, String field, byte[] body, int[] offset, Reservation reservation) {
        if (!(value instanceof Map<?, ?> in)) throw new BadRequestException(field + " must be an object");
        if (!(in.get("name") instanceof String name)) throw new BadRequestException(field + ".name is missing");
        if (!(in.get("datatype") instanceof String datatype)) throw new BadRequestException(field + ".datatype is missing");
        DType dtype = OipTensors.dtype(datatype, field + ".datatype");
        int[] shape = OipTensors.shape(in.get("shape"), field + ".shape");
        long count = OipTensors.elements(shape, field + ".shape");
        Object size = param(in.get("parameters"), "binary_data_size", field + ".parameters");
        if (size != null) {
            int left = body.length - offset[0];
            if (!(size instanceof Integer n) || n < 0 || n > left) {
                throw new BadRequestException(field + ".parameters.binary_data_size must be the input's bytes after the JSON"
                        + " header, at most the " + left + " left, got " + size);
            }
            if (in.get("data") != null) throw new BadRequestException(field + " has both 'data' and binary_data_size");
            reservation.charge(n);
            byte[] raw = Arrays.copyOfRange(body, offset[0], offset[0] + n);
            offset[0] += n;
            return dtype == null
                    ? new OipModel.Input(name, datatype, shape, null, OipTensors.bytesElements(raw, count, field + " binary data"), field)
                    : new OipModel.Input(name, datatype, shape, OipTensors.fromBinary(dtype, shape, raw, field + " binary data"),
                            null, field);
        }
        List<Object> values = jsonData(in.get("data"), dtype == null, shape, count, field);
        if (dtype == null) return new OipModel.Input(name, datatype, shape, null, values, field);
        reservation.charge(count * dtype.byteSize());
        return new OipModel.Input(name, datatype, shape, OipTensors.fromJson(dtype, shape, values, field + ".data"), null, field);
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
     * The answer: {@code {"model_name", "model_version", "id", "outputs": [{"name", "datatype",
     * "shape", "data"}]}}; an output sent as binary data has {@code parameters.binary_data_size}
     * instead of {@code data}, and its bytes follow the JSON header (whose length is {@code
     * Inference-Header-Content-Length}) in the outputs' order. Errors are {@code {"error":
     * "<message>"}}. How a result becomes outputs: {@link OipModel#outputs}.
     */
    static final class Reply implements ReplyFormat {
        private final String id;
        private final OipModel model;
        private final boolean binaryAll;
        private final Set<String> binary;
        private final List<String> requested;

        Reply(String id, OipModel model, boolean binaryAll, Set<String> binary, List<String> requested) {
            this.id = id;
            this.model = model;
            this.binaryAll = binaryAll;
            this.binary = binary;
            this.requested = requested;
        }

        /** The error bodies of the protocol, before a request is decoded. */
        static Reply errors() {
            return new Reply(null, null, false, Set.of(), List.of());
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
            List<OipModel.Output> outputs = model.outputs(output, requested);
            List<byte[]> raws = new ArrayList<>();
            boolean anyBinary = false;
            ByteArrayOutputStream head = new ByteArrayOutputStream(256);
            for (OipModel.Output o : outputs) anyBinary |= binaryAll || binary.contains(o.name());
            try (JsonGenerator g = ResultJson.MAPPER.getFactory().createGenerator(anyBinary ? head : out)) {
                g.writeStartObject();
                g.writeStringField("model_name", model.name());
                g.writeStringField("model_version", OipModel.VERSION);
                if (id != null) g.writeStringField("id", id);
                g.writeArrayFieldStart("outputs");
                for (OipModel.Output o : outputs) {
                    g.writeStartObject();
                    g.writeStringField("name", o.name());
                    g.writeStringField("datatype", o.datatype());
                    g.writeArrayFieldStart("shape");
                    for (int d : o.shape()) g.writeNumber(d);
                    g.writeEndArray();
                    if (binaryAll || binary.contains(o.name())) {
                        byte[] raw = o.raw();
                        raws.add(raw);
                        g.writeObjectFieldStart("parameters");
                        g.writeNumberField("binary_data_size", raw.length);
                        g.writeEndObject();
                    } else {
                        g.writeFieldName("data");
                        ResultJson.MAPPER.writeValue(g, o.values());
                    }
                    g.writeEndObject();
                }
                g.writeEndArray();
                g.writeEndObject();
            }
            if (!anyBinary) return "application/json";
            headers.put(HEADER_LENGTH, Integer.toString(head.size()));
            head.writeTo(out);
            for (byte[] raw : raws) out.write(raw);
            return "application/octet-stream";
        }
    }
}

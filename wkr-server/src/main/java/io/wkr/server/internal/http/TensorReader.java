package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.Tensor;
import java.io.IOException;
import java.util.Arrays;

/**
 * Reads a tensor from a JSON body in two streaming passes over the bytes, without boxing a
 * number. The first pass checks the structure and counts: {@code {"dtype", "shape", "data"}} in
 * any order (other fields are refused) or plain nested arrays (float32), rectangular, numbers
 * only, at most {@link #MAX_DIMS} dimensions. The tensor's exact size is then charged to the
 * request's budget and allocated once; the second pass writes every number into it, converted to
 * the dtype with a range check (an integer dtype takes integral values in its range, {@code bool}
 * takes {@code true}/{@code false}/{@code 0}/{@code 1}, a float dtype takes finite values that do
 * not overflow it). Nothing is wrapped or clamped.
 */
final class TensorReader {
    /** Most dimensions of a tensor sent as JSON (numpy's own limit was 32). */
    static final int MAX_DIMS = 32;
    private static final String FORMAT = "send a tensor as {\"dtype\": \"float32\", \"shape\": [...], \"data\": [...]}"
            + " or as nested numeric arrays";

    private TensorReader() {}

    /** What the first pass found. */
    private static final class Layout {
        DType dtype = DType.FLOAT32;
        boolean dtypeSeen;
        int[] shape;
        int[] nested;
        long count;
        boolean dataInObject;
    }

    static Tensor read(byte[] body, DecodeBudget budget) throws IOException {
        Layout layout = scan(body);
        int[] shape = layout.shape != null ? layout.shape : layout.nested;
        if (layout.shape != null && product(layout.shape) != layout.count) {
            throw new BadRequestException("'shape' " + Arrays.toString(layout.shape) + " holds " + product(layout.shape)
                    + " elements but 'data' has " + layout.count);
        }
        if (layout.dtype == DType.FLOAT16) {
            throw new BadRequestException("float16 tensors cannot be sent as JSON; send float32");
        }
        long bytes = layout.count * layout.dtype.byteSize();
        if (bytes > Integer.MAX_VALUE - 16) throw new BadRequestException("tensor of " + bytes + " bytes is too large");
        budget.charge(bytes);
        byte[] out = new byte[(int) bytes];
        fill(body, layout, new TensorWriter(layout.dtype, out));
        return Tensor.wrap(layout.dtype, shape, out);
    }

    // ------------------------------------------------------------------ first pass: structure

    private static Layout scan(byte[] body) throws IOException {
        Layout layout = new Layout();
        try (JsonParser p = JsonInputs.FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                scanData(p, layout);
            } else if (t == JsonToken.START_OBJECT) {
                scanObject(p, layout);
            } else if (t == null) {
                throw new BadRequestException("the body is empty; " + FORMAT);
            } else {
                throw new BadRequestException("this server speaks the numpy protocol: " + FORMAT);
            }
            JsonInputs.expectEnd(p);
        }
        return layout;
    }

    private static void scanObject(JsonParser p, Layout layout) throws IOException {
        boolean shapeSeen = false;
        for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
            String name = p.currentName();
            JsonToken v = p.nextToken();
            switch (name) {
                case "dtype" -> {
                    if (layout.dtypeSeen) throw new BadRequestException("'dtype' given twice");
                    layout.dtypeSeen = true;
                    layout.dtype = dtype(p, v);
                }
                case "shape" -> {
                    if (shapeSeen) throw new BadRequestException("'shape' given twice");
                    shapeSeen = true;
                    layout.shape = shape(p, v);
                }
                case "data" -> {
                    if (layout.dataInObject) throw new BadRequestException("'data' given twice");
                    if (v != JsonToken.START_ARRAY) throw new BadRequestException("'data' must be an array of numbers");
                    layout.dataInObject = true;
                    scanData(p, layout);
                }
                default -> throw new BadRequestException("unknown field '" + JsonInputs.quote(name, JsonInputs.QUOTE)
                        + "': a tensor has 'dtype', 'shape' and 'data'");
            }
        }
        if (!layout.dataInObject) throw new BadRequestException("a tensor needs a 'data' array");
    }

    private static DType dtype(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.VALUE_STRING) throw new BadRequestException("'dtype' must be a string such as \"float32\"");
        String name = p.getText();
        if (name.length() > JsonInputs.QUOTE) {
            throw new BadRequestException("unknown dtype '" + JsonInputs.quote(name, JsonInputs.QUOTE) + "'");
        }
        return DType.fromNumpy(name);
    }

    private static int[] shape(JsonParser p, JsonToken v) throws IOException {
        if (v != JsonToken.START_ARRAY) throw new BadRequestException("'shape' must be an array of integers");
        int[] dims = new int[MAX_DIMS];
        int n = 0;
        for (JsonToken t = p.nextToken(); t != JsonToken.END_ARRAY; t = p.nextToken()) {
            if (n == MAX_DIMS) throw new BadRequestException("'shape' has more than " + MAX_DIMS + " dimensions");
            if (t != JsonToken.VALUE_NUMBER_INT) {
                throw new BadRequestException("'shape' must hold non-negative integers, got " + JsonInputs.quote(p));
            }
            if (p.getNumberType() != JsonParser.NumberType.INT || p.getIntValue() < 0) {
                throw new BadRequestException("shape dimension " + JsonInputs.quote(p) + " is out of range (0.."
                        + Integer.MAX_VALUE + ")");
            }
            dims[n++] = p.getIntValue();
        }
        int[] shape = Arrays.copyOf(dims, n);
        product(shape); // checks the element count
        return shape;
    }

    /** The element count of a shape; refuses counts a Java array cannot hold. */
    private static long product(int[] shape) {
        long n = 1;
        for (int d : shape) {
            n *= d;
            if (n > Integer.MAX_VALUE) throw new BadRequestException("shape " + Arrays.toString(shape) + " is too large");
        }
        return n;
    }

    /**
     * Walks nested arrays (the parser is on their START_ARRAY) and records their shape. At each
     * level every array has the same length and the same kind of elements (all arrays or all
     * numbers): anything else is ragged.
     */
    private static void scanData(JsonParser p, Layout layout) throws IOException {
        int[] lengths = new int[MAX_DIMS];
        Arrays.fill(lengths, -1);
        int[] counts = new int[MAX_DIMS];
        byte[] kinds = new byte[MAX_DIMS]; // 0 unknown, 1 arrays, 2 numbers
        int level = 0;
        int deepest = 0;
        long total = 0;
        while (true) {
            JsonToken t = p.nextToken();
            if (t == JsonToken.START_ARRAY) {
                kind(kinds, level, (byte) 1);
                counts[level]++;
                if (++level == MAX_DIMS) throw new BadRequestException("tensor nested deeper than " + MAX_DIMS + " dimensions");
                counts[level] = 0;
                deepest = Math.max(deepest, level);
            } else if (t == JsonToken.END_ARRAY) {
                if (lengths[level] < 0) {
                    lengths[level] = counts[level];
                } else if (lengths[level] != counts[level]) {
                    throw new BadRequestException("ragged array: dimension " + level + " has lengths " + lengths[level]
                            + " and " + counts[level]);
                }
                if (level == 0) break;
                level--;
            } else if (t == JsonToken.VALUE_NUMBER_INT || t == JsonToken.VALUE_NUMBER_FLOAT
                    || t == JsonToken.VALUE_TRUE || t == JsonToken.VALUE_FALSE) {
                kind(kinds, level, (byte) 2);
                counts[level]++;
                total++;
            } else {
                throw new BadRequestException("tensor data must be numbers, got "
                        + (t == JsonToken.VALUE_STRING ? "'" + JsonInputs.quote(p) + "'" : JsonInputs.quote(p)));
            }
        }
        layout.nested = Arrays.copyOf(lengths, deepest + 1);
        layout.count = total;
    }

    private static void kind(byte[] kinds, int level, byte kind) {
        if (kinds[level] == 0) {
            kinds[level] = kind;
        } else if (kinds[level] != kind) {
            throw new BadRequestException("ragged array: dimension " + level + " mixes numbers and arrays");
        }
    }

    // ------------------------------------------------------------------ second pass: values

    private static void fill(byte[] body, Layout layout, TensorWriter out) throws IOException {
        try (JsonParser p = JsonInputs.FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (layout.dataInObject) {
                while (true) { // find "data" (the first pass checked it is there)
                    t = p.nextToken();
                    String name = p.currentName();
                    t = p.nextToken();
                    if ("data".equals(name)) break;
                    p.skipChildren();
                }
            }
            int depth = 0;
            do {
                if (t == JsonToken.START_ARRAY) {
                    depth++;
                } else if (t == JsonToken.END_ARRAY) {
                    depth--;
                } else {
                    out.put(p, t);
                }
                if (depth > 0) t = p.nextToken();
            } while (depth > 0);
        }
        out.checkFull();
    }
}

package io.wkr.decentral.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.type.LogicalType;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The decentral module's one JSON policy: every document it writes (status, control replies and
 * requests, stored results, payloads, config dumps) and every one it reads goes through this
 * Jackson mapper. Documents are records whose components name their keys.
 *
 * <p>Writing is compact, one line (stored results rely on it: the header ends at the first
 * newline). Reading is strict and bounded, because much of it comes from outside (Redis entries,
 * control requests): at most {@code maxBytes} bytes, 64 levels of nesting, strings of 16 Mi
 * characters; no duplicate keys, comments, {@code NaN}, leading zeros or trailing text; typed
 * reads refuse unknown keys (unless the type says otherwise), strings for numbers, numbers for
 * strings, fractions for integers, and {@code null} or nothing for a primitive. Every failure is
 * an {@link IllegalArgumentException} that says what and where. Not API.
 */
public final class JsonDocuments {
    /** For documents that come in small (control requests, shapes): 64 KiB. */
    public static final int SMALL = 64 << 10;
    /** For payloads, results and status replies: 64 MiB, as the client's reader. */
    public static final int LARGE = 64 << 20;
    /** Most values one untyped read builds (each element, member and key counts). */
    public static final int MAX_VALUES = 4 << 20;
    static final int MAX_DEPTH = 64;

    private static final ObjectMapper MAPPER = mapper();

    private JsonDocuments() {}

    private static ObjectMapper mapper() {
        JsonFactory factory = JsonFactory.builder()
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH)
                        .maxStringLength(16 << 20).maxDocumentLength(LARGE).build())
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .build();
        JsonMapper mapper = JsonMapper.builder(factory)
                .disable(MapperFeature.ALLOW_COERCION_OF_SCALARS)
                .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
                .build();
        for (CoercionInputShape shape : List.of(CoercionInputShape.Integer, CoercionInputShape.Float,
                CoercionInputShape.Boolean)) {
            mapper.coercionConfigFor(LogicalType.Textual).setCoercion(shape, CoercionAction.Fail);
        }
        return mapper;
    }

    /** {@code document} as compact UTF-8 JSON. */
    public static byte[] write(Object document) {
        try {
            return MAPPER.writeValueAsBytes(document);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write " + document.getClass().getName() + " as JSON: "
                    + e.getOriginalMessage(), e);
        }
    }

    /** {@code document} as compact JSON text. */
    public static String writeString(Object document) {
        return new String(write(document), StandardCharsets.UTF_8);
    }

    /** {@code value} (records, maps, lists, numbers, ...) as a JSON tree, as {@link #write} would write it. */
    public static JsonNode toTree(Object value) {
        return MAPPER.valueToTree(value);
    }

    /**
     * Reads a {@code type} strictly (see the class comment).
     *
     * @throws IllegalArgumentException naming the key and what is wrong with it
     */
    public static <T> T read(byte[] json, int maxBytes, Class<T> type) {
        checkSize(json.length, maxBytes);
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw bad(e);
        }
    }

    /** Reads one JSON value as a tree. */
    public static JsonNode readTree(byte[] json, int maxBytes) {
        checkSize(json.length, maxBytes);
        try (JsonParser p = MAPPER.createParser(json)) {
            JsonNode n = MAPPER.readTree(p);
            if (n == null || n.isMissingNode()) throw new IllegalArgumentException("invalid JSON: no value");
            if (p.nextToken() != null) throw trailing(p);
            return n;
        } catch (IOException e) {
            throw bad(e);
        }
    }

    /** As {@link #readTree(byte[], int)}. */
    public static JsonNode readTree(String json, int maxBytes) {
        return readTree(json.getBytes(StandardCharsets.UTF_8), maxBytes);
    }

    /**
     * Reads one JSON value as plain Java values: objects as {@link LinkedHashMap}, arrays as
     * {@link ArrayList}, integers as {@link Long} (beyond a long as {@link Double}, as Python's
     * {@code json} does with large numbers), other numbers as {@link Double}, then {@code String},
     * {@code Boolean} and {@code null}; at most {@link #MAX_VALUES} values.
     */
    public static Object readValue(byte[] json, int maxBytes) {
        checkSize(json.length, maxBytes);
        try (JsonParser p = MAPPER.createParser(json)) {
            if (p.nextToken() == null) throw new IllegalArgumentException("invalid JSON: no value");
            Object v = new ValueReader(p).value();
            if (p.nextToken() != null) throw trailing(p);
            return v;
        } catch (IOException e) {
            throw bad(e);
        }
    }

    /** Builds Java values from the parser's tokens, counting them. */
    private static final class ValueReader {
        private final JsonParser p;
        private int values;

        ValueReader(JsonParser p) {
            this.p = p;
        }

        /** The value at the current token; leaves the parser on its last token. */
        Object value() throws IOException {
            count();
            JsonToken t = p.currentToken();
            switch (t) {
                case START_OBJECT: {
                    Map<String, Object> m = new LinkedHashMap<>();
                    while (p.nextToken() == JsonToken.FIELD_NAME) {
                        count();
                        String key = p.currentName();
                        p.nextToken();
                        m.put(key, value());
                    }
                    return m;
                }
                case START_ARRAY: {
                    List<Object> l = new ArrayList<>();
                    while (p.nextToken() != JsonToken.END_ARRAY) l.add(value());
                    return l;
                }
                case VALUE_STRING:
                    return p.getText();
                case VALUE_NUMBER_INT: // not a ?: expression, which would make every long a double
                    if (p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) return p.getDoubleValue();
                    return p.getLongValue();
                case VALUE_NUMBER_FLOAT:
                    return p.getDoubleValue();
                case VALUE_TRUE:
                    return Boolean.TRUE;
                case VALUE_FALSE:
                    return Boolean.FALSE;
                case VALUE_NULL:
                    return null;
                default:
                    throw new IllegalArgumentException("invalid JSON at " + where(p) + ": unexpected " + t);
            }
        }

        private void count() {
            if (++values > MAX_VALUES) throw new IllegalArgumentException("more than " + MAX_VALUES + " JSON values");
        }
    }

    private static IllegalArgumentException trailing(JsonParser p) {
        return new IllegalArgumentException("invalid JSON at " + where(p) + ": trailing text");
    }

    private static void checkSize(int length, int maxBytes) {
        if (length > maxBytes) {
            throw new IllegalArgumentException("JSON text of " + length + " bytes exceeds the limit of " + maxBytes
                    + " bytes");
        }
    }

    /** A clear message: the key (for typed reads) or the place, and what is wrong, without Jackson's source dump. */
    private static IllegalArgumentException bad(IOException e) {
        if (e instanceof UnrecognizedPropertyException u) {
            List<String> known = u.getKnownPropertyIds().stream().map(String::valueOf).sorted().toList();
            return new IllegalArgumentException("unknown key '" + u.getPropertyName() + "' (known: "
                    + String.join(", ", known) + ")", e);
        }
        if (e instanceof JsonMappingException m && m.getCause() instanceof IllegalArgumentException iae) {
            return new IllegalArgumentException(iae.getMessage(), e); // the document's own check
        }
        if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
            return new IllegalArgumentException("bad value for '" + path(m) + "': " + firstLine(m.getOriginalMessage()),
                    e);
        }
        if (e instanceof JsonProcessingException j) {
            return new IllegalArgumentException("invalid JSON at " + where(j.getLocation()) + ": "
                    + firstLine(j.getOriginalMessage()), e);
        }
        return new IllegalArgumentException("cannot read JSON: " + e, e);
    }

    private static String path(JsonMappingException m) {
        StringBuilder b = new StringBuilder();
        for (JsonMappingException.Reference r : m.getPath()) {
            if (r.getFieldName() != null) {
                b.append(b.length() == 0 ? "" : ".").append(r.getFieldName());
            } else if (r.getIndex() >= 0) {
                b.append('[').append(r.getIndex()).append(']');
            }
        }
        return b.toString();
    }

    private static String firstLine(String s) {
        if (s == null) return "";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    private static String where(JsonParser p) {
        return where(p.currentLocation());
    }

    private static String where(JsonLocation l) {
        return l == null ? "?" : "offset " + l.getByteOffset();
    }
}

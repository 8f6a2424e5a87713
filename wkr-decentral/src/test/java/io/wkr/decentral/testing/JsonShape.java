package io.wkr.decentral.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The keys and value types of a JSON document, as one line, for tests that pin documents: objects
 * as {@code {key:type,...}} in document order, arrays as {@code [type,...]} (or {@code [type...]}
 * when two or more elements have the same shape), values as {@code string}, {@code int}, {@code
 * float}, {@code bool} or {@code null}. Parsed with Jackson, independently of the code under test.
 */
public final class JsonShape {
    private static final ObjectMapper JSON = new ObjectMapper();

    private JsonShape() {}

    public static JsonNode tree(byte[] json) {
        try {
            return JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("not JSON: " + new String(json, StandardCharsets.UTF_8), e);
        }
    }

    public static JsonNode tree(String json) {
        return tree(json.getBytes(StandardCharsets.UTF_8));
    }

    public static String of(byte[] json) {
        return of(tree(json));
    }

    public static String of(String json) {
        return of(tree(json));
    }

    /** {@code expected} with its white space removed, so expected shapes can be written over several lines. */
    public static String compact(String expected) {
        return expected.replaceAll("\\s+", "");
    }

    public static String of(JsonNode n) {
        if (n.isObject()) {
            List<String> parts = new ArrayList<>();
            for (Map.Entry<String, JsonNode> e : n.properties()) parts.add(e.getKey() + ":" + of(e.getValue()));
            return "{" + String.join(",", parts) + "}";
        }
        if (n.isArray()) {
            List<String> parts = new ArrayList<>();
            for (JsonNode e : n) parts.add(of(e));
            if (parts.size() >= 2 && parts.stream().distinct().count() == 1) return "[" + parts.get(0) + "...]";
            return "[" + String.join(",", parts) + "]";
        }
        if (n.isTextual()) return "string";
        if (n.isIntegralNumber()) return "int";
        if (n.isNumber()) return "float";
        if (n.isBoolean()) return "bool";
        if (n.isNull()) return "null";
        throw new IllegalArgumentException("unexpected JSON node " + n.getNodeType());
    }
}

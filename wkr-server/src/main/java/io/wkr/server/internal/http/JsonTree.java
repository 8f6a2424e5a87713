package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DecodeBudget;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads a JSON body as an {@code obj} worker input: maps ({@link LinkedHashMap}), lists, strings,
 * {@code Integer}/{@code Long}/{@code BigInteger}, {@code Double} and booleans, as Jackson's
 * untyped reading would. Unlike it, every node's heap size is estimated and {@linkplain
 * DecodeBudget#charge charged} before it is built, so a small body that decodes into a huge tree
 * ({@code [{},{},...]} costs some 40 times its size) is refused instead of filling the heap.
 * Numbers that a double cannot hold ({@code 1e400}) are refused: they could not be written back.
 */
final class JsonTree {
    // Estimated heap bytes (64-bit JVM, compressed references), with some slack for growth.
    private static final int MAP = 64;
    private static final int MAP_ENTRY = 48;
    private static final int LIST = 40;
    private static final int LIST_SLOT = 8;
    private static final int STRING = 48;
    private static final int BOXED_INT = 16;
    private static final int BOXED_WIDE = 24;
    private static final int BIG_INTEGER = 64;

    private JsonTree() {}

    static Object read(byte[] body, DecodeBudget budget) throws IOException {
        try (JsonParser p = JsonInputs.FACTORY.createParser(body)) {
            JsonToken t = p.nextToken();
            if (t == null) throw new BadRequestException("the body is empty; send a JSON value");
            if (t == JsonToken.VALUE_NULL) throw new BadRequestException("the request body is JSON null; send a value");
            Object value = value(p, t, budget);
            JsonInputs.expectEnd(p);
            return value;
        }
    }

    private static Object value(JsonParser p, JsonToken t, DecodeBudget budget) throws IOException {
        switch (t) {
            case START_OBJECT: {
                budget.charge(MAP);
                Map<String, Object> map = new LinkedHashMap<>();
                for (JsonToken f = p.nextToken(); f != JsonToken.END_OBJECT; f = p.nextToken()) {
                    String name = p.currentName();
                    budget.charge(MAP_ENTRY + string(name));
                    map.put(name, value(p, p.nextToken(), budget));
                }
                return map;
            }
            case START_ARRAY: {
                budget.charge(LIST);
                List<Object> list = new ArrayList<>();
                for (JsonToken e = p.nextToken(); e != JsonToken.END_ARRAY; e = p.nextToken()) {
                    budget.charge(LIST_SLOT);
                    list.add(value(p, e, budget));
                }
                return list;
            }
            case VALUE_STRING: {
                budget.charge(STRING + 2L * p.getTextLength());
                return p.getText();
            }
            case VALUE_NUMBER_INT:
                return integer(p, budget);
            case VALUE_NUMBER_FLOAT: {
                double d = p.getDoubleValue();
                if (Double.isInfinite(d)) {
                    throw new BadRequestException("number " + JsonInputs.quote(p) + " is out of range for a double");
                }
                budget.charge(BOXED_WIDE);
                return d;
            }
            case VALUE_TRUE:
                return Boolean.TRUE;
            case VALUE_FALSE:
                return Boolean.FALSE;
            case VALUE_NULL:
                return null;
            default:
                throw new BadRequestException("unexpected JSON token " + t);
        }
    }

    private static Object integer(JsonParser p, DecodeBudget budget) throws IOException {
        switch (p.getNumberType()) {
            case INT: {
                int v = p.getIntValue();
                if (v < -128 || v > 127) budget.charge(BOXED_INT); // -128..127 are cached boxes
                return v;
            }
            case LONG:
                budget.charge(BOXED_WIDE);
                return p.getLongValue();
            default:
                budget.charge(BIG_INTEGER + p.getTextLength());
                return p.getBigIntegerValue();
        }
    }

    private static long string(String s) {
        return STRING + 2L * s.length();
    }
}

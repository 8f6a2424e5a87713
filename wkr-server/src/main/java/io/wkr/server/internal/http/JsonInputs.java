package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import io.wkr.protocol.Wire;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * Turns an HTTP body into a worker input, with bounded memory. JSON is read with Jackson's
 * streaming parser, never into a tree of boxed numbers: on a {@code numpy} server straight into
 * the tensor's bytes ({@link TensorReader}), on an {@code obj} server into maps and lists whose
 * estimated size is charged as they grow ({@link JsonTree}). Both charge what they allocate to
 * the request's {@link DecodeBudget} before allocating it, refuse nesting past {@link
 * #MAX_NESTING}, and refuse trailing content after the value. An uploaded file is passed as its
 * bytes ({@code obj}) or as a 1-d {@code uint8} tensor over them ({@code numpy}), without a copy.
 */
final class JsonInputs {
    /** Deepest nesting of arrays and objects in a JSON body. */
    static final int MAX_NESTING = 64;
    /** Longest number literal (digits) in a JSON body. */
    static final int MAX_NUMBER_LENGTH = 400;
    /** Error messages quote at most this many characters of what was sent. */
    static final int QUOTE = 40;

    /**
     * The parser factory for request bodies: bounded nesting and number lengths, and no shared
     * symbol table (field names are neither canonicalised nor interned, so no request's names
     * stay in memory after it).
     */
    static final JsonFactory FACTORY = JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder()
                    .maxNestingDepth(MAX_NESTING)
                    .maxNumberLength(MAX_NUMBER_LENGTH)
                    .build())
            .disable(JsonFactory.Feature.CANONICALIZE_FIELD_NAMES)
            .disable(JsonFactory.Feature.INTERN_FIELD_NAMES)
            .build();

    private JsonInputs() {}

    /**
     * A worker input from a JSON body.
     *
     * @throws BadRequestException when the body is not one JSON value the server can take
     */
    static Object fromJson(byte[] body, Protocol protocol, DecodeBudget budget) {
        try {
            return protocol == Protocol.NUMPY ? TensorReader.read(body, budget) : JsonTree.read(body, budget);
        } catch (JsonProcessingException e) {
            throw new BadRequestException("the body is not valid JSON: " + quote(e.getOriginalMessage(), 200));
        } catch (IOException e) {
            throw new UncheckedIOException(e); // not from a byte array
        }
    }

    /** A worker input from an uploaded file: its bytes, or a uint8 tensor over them. */
    static Object fromFile(byte[] bytes, Protocol protocol) {
        return protocol == Protocol.OBJ ? bytes : Tensor.wrap(DType.UINT8, new int[] {bytes.length}, bytes);
    }

    /** Fails when anything but whitespace follows the value the parser has just read. */
    static void expectEnd(JsonParser p) throws IOException {
        JsonToken t = p.nextToken();
        if (t != null) {
            throw new BadRequestException("trailing content after the JSON value, at byte "
                    + p.currentTokenLocation().getByteOffset() + ": send one JSON value");
        }
    }

    /** At most {@code max} characters of {@code s}, marked when cut. */
    static String quote(String s, int max) {
        return Wire.preview(String.valueOf(s), max);
    }

    /** The current token's text, cut to {@link #QUOTE} characters. */
    static String quote(JsonParser p) throws IOException {
        return quote(p.getText(), QUOTE);
    }
}

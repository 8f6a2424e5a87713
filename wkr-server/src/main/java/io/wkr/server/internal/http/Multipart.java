package io.wkr.server.internal.http;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DecodeBudget;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;

/**
 * A field of a {@code multipart/form-data} body that is already in memory (only taken with {@code
 * -http_allow_form_bodies}): the uploaded file of {@code /encode/file} (the field {@code file}, or
 * else the first part with a file name), the original's {@code img_bytes} and {@code img_url}. Parsed by Jetty's parser from the body's bytes, never spilled to disk; anything
 * malformed is a {@code BAD_REQUEST}.
 */
final class Multipart {
    private static final int MAX_PARTS = 16;
    private static final int MAX_PART_HEADERS = 8 * 1024;

    private Multipart() {}

    /**
     * The bytes of the field {@code field} (or, with {@code anyFile}, of the first part with a
     * file name when there is no such field).
     *
     * @throws BadRequestException when the body is not a form with that field
     */
    static byte[] file(byte[] body, String contentType, String field, boolean anyFile, DecodeBudget budget) {
        String boundary = MultiPart.extractBoundary(contentType);
        if (boundary == null || boundary.isEmpty()) throw new BadRequestException("multipart body without a boundary");
        MultiPartFormData.Parser parser = new MultiPartFormData.Parser(boundary);
        parser.setMaxParts(MAX_PARTS);
        parser.setPartHeadersMaxLength(MAX_PART_HEADERS);
        parser.setMaxLength(body.length);
        parser.setMaxFileSize(body.length);
        parser.setMaxMemoryFileSize(body.length + 1L); // every part stays in memory
        parser.setUseFilesForPartsWithoutFileName(false);
        CompletableFuture<MultiPartFormData.Parts> parsed = parser.parse(Content.Source.from(ByteBuffer.wrap(body)));
        MultiPartFormData.Parts parts;
        try {
            parts = parsed.getNow(null); // a source in memory is parsed at once
        } catch (CompletionException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new BadRequestException("malformed multipart body: " + JsonInputs.quote(String.valueOf(cause.getMessage()), 200));
        }
        if (parts == null) throw new BadRequestException("malformed multipart body: it ends before its last boundary");
        try (parts) {
            MultiPart.Part file = parts.getFirst(field);
            if (file == null && anyFile) {
                for (MultiPart.Part p : parts) {
                    if (p.getFileName() != null) {
                        file = p;
                        break;
                    }
                }
            }
            if (file == null) throw new BadRequestException("no file in the form: send it in the field '" + field + "'");
            long length = file.getLength();
            if (length <= 0) throw new BadRequestException("the file is empty: send its bytes");
            budget.charge(length);
            ByteBuffer bytes = Content.Source.asByteBuffer(file.getContentSource());
            if (bytes.hasArray() && bytes.arrayOffset() == 0 && bytes.position() == 0
                    && bytes.remaining() == bytes.array().length) {
                return bytes.array();
            }
            byte[] out = new byte[bytes.remaining()];
            bytes.get(out);
            return out;
        } catch (IOException e) {
            throw new BadRequestException("malformed multipart body: " + JsonInputs.quote(String.valueOf(e.getMessage()), 200));
        }
    }
}

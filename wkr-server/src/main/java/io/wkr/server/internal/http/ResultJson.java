package io.wkr.server.internal.http;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import io.wkr.protocol.Tensor;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * Writes worker outputs as JSON, streaming: a {@link Tensor} as {@code {"dtype", "shape",
 * "data"}} (its numbers written one by one from its bytes, never boxed into a list), a {@code
 * byte[]} as {@code {"content_type", "base64"}} with the type sniffed from the bytes (PNG, JPEG,
 * GIF, else {@code application/octet-stream}), anything else with Jackson (maps, lists, records,
 * beans), wherever they are nested.
 */
final class ResultJson {
    /** The mapper replies are written with. */
    static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .registerModule(new SimpleModule("wkr-results")
                    .addSerializer(Tensor.class, new TensorSerializer())
                    .addSerializer(byte[].class, new BytesSerializer()));

    private ResultJson() {}

    /** The content type of common image formats, from their magic bytes. */
    static String sniff(byte[] b) {
        if (b.length >= 8 && (b[0] & 0xff) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') return "image/png";
        if (b.length >= 3 && (b[0] & 0xff) == 0xff && (b[1] & 0xff) == 0xd8 && (b[2] & 0xff) == 0xff) return "image/jpeg";
        if (b.length >= 6 && b[0] == 'G' && b[1] == 'I' && b[2] == 'F') return "image/gif";
        return "application/octet-stream";
    }

    private static final class TensorSerializer extends StdSerializer<Tensor> {
        TensorSerializer() {
            super(Tensor.class);
        }

        @Override
        public void serialize(Tensor t, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeStartObject();
            g.writeStringField("dtype", t.dtype().numpyName());
            g.writeArrayFieldStart("shape");
            for (int d : t.shape()) g.writeNumber(d);
            g.writeEndArray();
            g.writeArrayFieldStart("data");
            ByteBuffer b = t.buffer();
            for (int i = 0, n = t.size(); i < n; i++) {
                switch (t.dtype()) {
                    case FLOAT32 -> g.writeNumber(b.getFloat());
                    case FLOAT64 -> g.writeNumber(b.getDouble());
                    case INT8 -> g.writeNumber(b.get());
                    case UINT8, BOOL -> g.writeNumber(b.get() & 0xff);
                    case INT16 -> g.writeNumber(b.getShort());
                    case UINT16 -> g.writeNumber(b.getShort() & 0xffff);
                    case INT32 -> g.writeNumber(b.getInt());
                    case UINT32 -> g.writeNumber(b.getInt() & 0xffff_ffffL);
                    case INT64 -> g.writeNumber(b.getLong());
                    case UINT64 -> g.writeNumber(Long.toUnsignedString(b.getLong()));
                    case FLOAT16 -> g.writeNumber(io.wkr.protocol.internal.Half.toFloat(b.getShort()));
                }
            }
            g.writeEndArray();
            g.writeEndObject();
        }
    }

    private static final class BytesSerializer extends StdSerializer<byte[]> {
        BytesSerializer() {
            super(byte[].class);
        }

        @Override
        public void serialize(byte[] bytes, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeStartObject();
            g.writeStringField("content_type", sniff(bytes));
            g.writeFieldName("base64");
            g.writeBinary(bytes);
            g.writeEndObject();
        }
    }
}

package io.wkr.server.internal;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonUnwrapped;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import io.wkr.protocol.Protocol;
import io.wkr.server.status.Latency;
import io.wkr.server.status.OriginalStatistic;
import io.wkr.server.status.ServerInfo;
import io.wkr.server.status.ServerSnapshot;
import io.wkr.server.status.Settings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;

/**
 * The server's JSON policy, in one place: every JSON document the server writes about itself
 * (status, info frames, HTTP envelopes) goes through {@link #MAPPER}. Worker results on the HTTP
 * routes have serializers of their own (tensors, bytes) but are Jackson as well.
 *
 * <ul>
 *   <li>Records and beans: component {@code portOut} is key {@code port_out} (snake case).
 *   <li>A number that is not finite ({@code NaN}, {@code ±Infinity}) is written as {@code null}:
 *       JSON (RFC 8259) has no such numbers, and wkr's own parsers refuse them. The pickled
 *       status is made from the same tree, so it holds {@code None} there as well.
 *   <li>An {@link Instant} is its ISO-8601 text; a {@link Protocol} its wire name.
 *   <li>The status records ({@code io.wkr.server.status}) are mapped onto the wire's layout here:
 *       {@link ServerInfo} and {@link Settings} at the top level, the original's derived keys
 *       ({@code main_batch_size}, {@code statistic}) added, and the parts that are only for
 *       {@code /metrics} ({@link Latency#sumNanos()}, {@link Latency#buckets()}) left out.
 * </ul>
 */
public final class ServerJson {
    /** The mapper; thread-safe, do not reconfigure. */
    public static final ObjectMapper MAPPER = new ObjectMapper()
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .registerModule(new SimpleModule("wkr-server-json")
                    .addSerializer(Double.class, new FiniteSerializer<>(Double.class))
                    .addSerializer(double.class, new FiniteSerializer<>(Double.class))
                    .addSerializer(Float.class, new FiniteSerializer<>(Float.class))
                    .addSerializer(float.class, new FiniteSerializer<>(Float.class))
                    .addSerializer(Instant.class, ToStringSerializer.instance)
                    .addSerializer(Protocol.class, new ProtocolSerializer()))
            .addMixIn(ServerSnapshot.class, SnapshotLayout.class)
            .addMixIn(Settings.class, SettingsLayout.class)
            .addMixIn(Latency.class, LatencyLayout.class);

    private ServerJson() {}

    /** {@code value} as UTF-8 JSON. */
    public static byte[] bytes(Object value) {
        try {
            return MAPPER.writeValueAsBytes(value);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException("cannot write as JSON: " + e.getOriginalMessage(), e);
        }
    }

    private abstract static class SnapshotLayout {
        @JsonUnwrapped
        abstract ServerInfo server();

        @JsonUnwrapped
        abstract Settings settings();

        @JsonProperty
        abstract OriginalStatistic statistic();
    }

    @JsonPropertyOrder({"num_worker", "batch_size", "main_batch_size"})
    private abstract static class SettingsLayout {
        @JsonProperty
        abstract int mainBatchSize();
    }

    private abstract static class LatencyLayout {
        @JsonIgnore
        abstract long sumNanos();

        @JsonIgnore
        abstract List<Latency.Bucket> buckets();
    }

    /** Writes a float or double as itself when finite and as null when not (JSON has no NaN). */
    private static final class FiniteSerializer<T extends Number> extends StdSerializer<T> {
        FiniteSerializer(Class<T> type) {
            super(type);
        }

        @Override
        public void serialize(T v, JsonGenerator g, SerializerProvider provider) throws IOException {
            if (!Double.isFinite(v.doubleValue())) g.writeNull();
            else if (v instanceof Float f) g.writeNumber(f);
            else g.writeNumber(v.doubleValue());
        }
    }

    private static final class ProtocolSerializer extends StdSerializer<Protocol> {
        ProtocolSerializer() {
            super(Protocol.class);
        }

        @Override
        public void serialize(Protocol v, JsonGenerator g, SerializerProvider provider) throws IOException {
            g.writeString(v.wireName());
        }
    }
}

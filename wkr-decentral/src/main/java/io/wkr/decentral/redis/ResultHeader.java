package io.wkr.decentral.redis;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * The one-line JSON header of a stored result ({@code <stream>:result:<id>}, see {@link
 * Payloads}): keys as the components (or their {@code @JsonProperty}), those that are {@code null}
 * left out. A done job's header has {@code type} (and {@code dtype}, {@code shape} for tensors), a
 * failed job's {@code error}. Read back strictly on types; keys it does not know are skipped, so
 * producers can read results stored by a newer unit.
 *
 * @param status {@code done} or {@code failed}
 * @param server {@code host:port_in} of the server that produced it
 * @param consumer the unit (Redis consumer) that stored it
 * @param deliveries the delivery that finished it (1 = the first)
 * @param finishedMillis when it was stored (epoch ms)
 * @param type the data's payload type ({@code bytes}, {@code text}, {@code json}, {@code tensor})
 * @param dtype a tensor's element type ({@code float32}, ...)
 * @param shape a tensor's shape
 * @param error the last error of a failed job
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonIgnoreProperties(ignoreUnknown = true)
record ResultHeader(
        Status status,
        String server,
        String consumer,
        long deliveries,
        @JsonProperty("finished_ms") long finishedMillis,
        String type,
        String dtype,
        List<Integer> shape,
        String error) {

    /** How the job ended. */
    enum Status {
        @JsonProperty("done") DONE,
        @JsonProperty("failed") FAILED
    }

    ResultHeader {
        if (status == null) throw new IllegalArgumentException("a stored result's header has no status");
        if (shape != null) shape = List.copyOf(shape);
    }

    /** The header of a job done, its data of {@code type} (with {@code dtype} and {@code shape} for a tensor). */
    static ResultHeader done(String server, String consumer, long deliveries, long finishedMillis,
            Payloads.Encoded out) {
        return new ResultHeader(Status.DONE, server, consumer, deliveries, finishedMillis, out.type(), out.dtype(),
                out.shape(), null);
    }

    /** The header of a job that failed for good with {@code error}. */
    static ResultHeader failed(String server, String consumer, long deliveries, long finishedMillis, String error) {
        return new ResultHeader(Status.FAILED, server, consumer, deliveries, finishedMillis, null, null, null, error);
    }
}

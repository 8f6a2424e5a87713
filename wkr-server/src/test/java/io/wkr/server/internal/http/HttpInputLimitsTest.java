package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.HttpCalls.errorCode;
import static io.wkr.server.internal.http.HttpCalls.json;
import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.server.testing.TestServers;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Numeric inputs over HTTP are range-checked, never wrapped or clamped: a shape of 2^32+2, a
 * uint8 of 300, a timeout of NaN or -5 are 400s; a timeout of Infinity is no deadline (not an
 * immediate 504). The exhaustive dtype table is in {@link JsonInputsTest}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class HttpInputLimitsTest extends ScriptedHttpServer {
    @BeforeEach
    void startNumpy() {
        start(TestServers.config(dir).protocol(Protocol.NUMPY));
    }

    private void assertBadRequest(HttpResponse<String> r, String text) throws Exception {
        assertThat(r.statusCode()).as(r.body()).isEqualTo(400);
        assertThat(errorCode(r)).isEqualTo("BAD_REQUEST");
        assertThat(r.body()).contains(text);
    }

    @Test
    void shapesAndValuesOutOfRangeAre400() throws Exception {
        assertBadRequest(http.post("/encode", "{\"dtype\": \"uint8\", \"shape\": [4294967298], \"data\": [1, 2]}"),
                "4294967298");
        assertBadRequest(http.post("/encode", "{\"dtype\": \"uint8\", \"data\": [1, 300]}"), "out of range for uint8");
        // numpy's unicode dtype is not uint32 (the name used to be lower-cased into "<u4")
        assertBadRequest(http.post("/encode", "{\"dtype\": \"<U4\", \"data\": [1]}"), "dtype");
        assertBadRequest(http.post("/encode", "{\"dtype\": \"int32\", \"data\": [1.5]}"), "not an integer");
        assertBadRequest(http.post("/encode", "{\"dtype\": \"float32\", \"data\": [1e39]}"), "out of range for float32");
        HttpResponse<String> ok = http.post("/encode", "{\"dtype\": \"uint8\", \"shape\": [2], \"data\": [0, 255]}");
        assertThat(ok.statusCode()).as(ok.body()).isEqualTo(200);
        assertThat(json(ok).get("result")).isEqualTo(Map.of("dtype", "uint8", "shape", List.of(2), "data", List.of(0, 255)));
        HttpResponse<String> big = http.post("/encode", "{\"dtype\": \"uint64\", \"data\": [18446744073709551615]}");
        assertThat(big.body()).contains("[18446744073709551615]");
    }

    @Test
    void timeoutsAreCheckedAndInfinityIsNoDeadline() throws Exception {
        HttpResponse<String> infinite = http.post("/encode?timeout_ms=Infinity", "[1]");
        assertThat(infinite.statusCode()).as(infinite.body()).isEqualTo(200);
        assertThat(http.post("/encode?timeout_ms=1e13", "[1]").statusCode()).isEqualTo(200);
        assertThat(http.send("POST", "/encode", "[1]".getBytes(), "X-Timeout-Ms", "Infinity").statusCode()).isEqualTo(200);
        assertBadRequest(http.post("/encode?timeout_ms=NaN", "[1]"), "timeout_ms");
        assertBadRequest(http.post("/encode?timeout_ms=-5", "[1]"), "timeout_ms");
        assertBadRequest(http.post("/encode?timeout_ms=0x10", "[1]"), "timeout_ms");
        assertBadRequest(http.post("/encode?timeout_ms=5d", "[1]"), "timeout_ms");
        assertBadRequest(http.send("POST", "/encode", "[1]".getBytes(), "X-Timeout-Ms", "soon"), "timeout_ms");
    }
}

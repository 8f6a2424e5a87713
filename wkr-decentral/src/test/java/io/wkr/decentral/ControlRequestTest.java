package io.wkr.decentral;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.decentral.internal.JsonDocuments;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Control arguments: written by the tools, read strictly by the central. */
class ControlRequestTest {
    private static ControlRequest parse(String json) {
        return ControlRequest.parse(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldWriteOnlyTheKeysGiven() {
        assertThat(JsonDocuments.writeString(new ControlRequest(null, null, null))).isEqualTo("{}");
        assertThat(JsonDocuments.writeString(ControlRequest.withToken("t"))).isEqualTo("{\"token\":\"t\"}");
        ControlRequest all = new ControlRequest(List.of(new RemoteServer("h", 1, 2)), 3, "t");
        assertThat(JsonDocuments.writeString(all))
                .isEqualTo("{\"remote_servers\":[[\"h\",1,2]],\"number_clients\":3,\"token\":\"t\"}");
        assertThat(ControlRequest.parse(JsonDocuments.write(all))).isEqualTo(all);
        assertThat(all.toString()).doesNotContain("\"t\"").contains("token=***");
    }

    @Test
    void shouldReadWhatTheToolsAndTheOriginalSend() {
        assertThat(ControlRequest.parse(new byte[0])).isEqualTo(new ControlRequest(null, null, null));
        assertThat(parse("{}")).isEqualTo(new ControlRequest(null, null, null));
        assertThat(parse(" {\"token\": \"abc\"} ")).isEqualTo(ControlRequest.withToken("abc"));
        assertThat(parse("{\"remote_servers\": null, \"num_client\": 2, \"token\": null}"))
                .isEqualTo(new ControlRequest(null, 2, null));
        assertThat(parse("{\"remote_servers\": [[\"10.0.0.1\", 5555, 5556]], \"number_clients\": 0}"))
                .isEqualTo(new ControlRequest(List.of(new RemoteServer("10.0.0.1", 5555, 5556)), 0, null));
    }

    @Test
    void shouldRefuseUnknownKeysWrongTypesAndTooMuch() {
        assertThatThrownBy(() -> parse("{\"token\":\"t\",\"number_client\":3}"))
                .hasMessage("unknown argument 'number_client' (known: remote_servers, number_clients, token)");
        assertThatThrownBy(() -> parse("[]")).hasMessage("expected a JSON object, got ARRAY");
        assertThatThrownBy(() -> parse("{\"token\":5}")).hasMessage("token must be a string");
        for (String n : List.of("\"many\"", "2.5", "1e3", "20000", "99999999999", "true", "[1]")) {
            assertThatThrownBy(() -> parse("{\"number_clients\":" + n + "}")).as(n)
                    .hasMessageStartingWith("number_clients must be an integer up to 10000");
        }
        assertThatThrownBy(() -> parse("{\"remote_servers\":\"x\"}")).hasMessageContaining("non-empty list");
        assertThatThrownBy(() -> parse("{\"remote_servers\":[]}")).hasMessageContaining("non-empty list");
        assertThatThrownBy(() -> parse("{\"remote_servers\":[[\"h\",1]]}"))
                .hasMessage("bad remote server [\"h\",1]: expected [\"host\", port_in, port_out]");
        assertThatThrownBy(() -> parse("{\"remote_servers\":[[\"h\",1.5,2]]}")).hasMessageContaining("bad remote server");
        assertThatThrownBy(() -> parse("{\"remote_servers\":[[\"h\",0,2]]}")).hasMessageContaining("port not in 1..65535");
        assertThatThrownBy(() -> parse("{\"token\":\"a\",\"token\":\"b\"}")).hasMessageContaining("Duplicate field 'token'");
        assertThatThrownBy(() -> parse("{not json")).hasMessageContaining("invalid JSON");
        String big = "{\"token\":\"" + "x".repeat(ControlRequest.MAX_BYTES) + "\"}";
        assertThatThrownBy(() -> parse(big)).hasMessageContaining("exceeds the limit of " + ControlRequest.MAX_BYTES + " bytes");
    }
}

package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.databind.JsonNode;
import io.wkr.decentral.internal.JsonDocuments;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The arguments of a control command, the second frame of a request to the central's control
 * socket, as JSON: {@code {"remote_servers": [["host", port_in, port_out], ...], "number_clients":
 * n, "token": "..."}}, each key optional (absent keys are not written). {@code SWITCH} reads
 * {@code remote_servers} and {@code number_clients} (also spelled {@code num_client}); every
 * command but {@code SHOW_CONFIG}/{@code STATUS} needs {@code token}. Written by {@code
 * wkr-decentral-*} tools; read strictly by the central.
 *
 * @param remoteServers the new servers ({@code SWITCH}), or {@code null} to keep them
 * @param numberClients the new units per server ({@code SWITCH}; 0 or less keeps it), or {@code null}
 * @param token the control token (from the central's token file), or {@code null}
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@JsonPropertyOrder({"remote_servers", "number_clients", "token"})
public record ControlRequest(
        @JsonProperty("remote_servers") List<RemoteServer> remoteServers,
        @JsonProperty("number_clients") Integer numberClients,
        String token) {

    /** Most bytes of a request's arguments: a token and a server list fit many times over. */
    static final int MAX_BYTES = JsonDocuments.SMALL;
    private static final Set<String> KEYS = Set.of("remote_servers", "number_clients", "num_client", "token");
    private static final ControlRequest EMPTY = new ControlRequest(null, null, null);

    public ControlRequest {
        if (remoteServers != null) remoteServers = List.copyOf(remoteServers);
    }

    /** Only the token: the arguments of {@code IDLE}, {@code RESTART_CLIENT} and {@code TERMINATION}. */
    public static ControlRequest withToken(String token) {
        return new ControlRequest(null, null, token);
    }

    /**
     * Reads the arguments frame: empty (no arguments) or a JSON object of the keys above, nothing
     * else, each of its type.
     *
     * @throws IllegalArgumentException saying which key is unknown or wrong, or why it is no JSON object
     */
    static ControlRequest parse(byte[] json) {
        if (json.length == 0) return EMPTY;
        JsonNode n = JsonDocuments.readTree(json, MAX_BYTES);
        if (!n.isObject()) throw new IllegalArgumentException("expected a JSON object, got " + n.getNodeType());
        for (Iterator<String> it = n.fieldNames(); it.hasNext(); ) {
            String k = it.next();
            if (!KEYS.contains(k)) {
                throw new IllegalArgumentException("unknown argument '" + k
                        + "' (known: remote_servers, number_clients, token)");
            }
        }
        JsonNode token = n.path("token");
        if (!token.isMissingNode() && !token.isNull() && !token.isTextual()) {
            throw new IllegalArgumentException("token must be a string");
        }
        JsonNode servers = n.path("remote_servers");
        JsonNode number = n.has("number_clients") ? n.path("number_clients") : n.path("num_client");
        Integer numberClients = null;
        if (!number.isMissingNode() && !number.isNull()) {
            if (!number.isIntegralNumber() || !number.canConvertToInt() || number.intValue() > 10_000) {
                throw new IllegalArgumentException("number_clients must be an integer up to 10000 (0 or less keeps it),"
                        + " got " + JsonDocuments.writeString(number));
            }
            numberClients = number.intValue();
        }
        return new ControlRequest(servers.isMissingNode() || servers.isNull() ? null : RemoteServer.fromTree(servers),
                numberClients, token.isTextual() ? token.textValue() : null);
    }

    /** Without the token's value. */
    @Override
    public String toString() {
        return "ControlRequest[remoteServers=" + remoteServers + ", numberClients=" + numberClients + ", token="
                + (token == null ? null : "***") + "]";
    }
}

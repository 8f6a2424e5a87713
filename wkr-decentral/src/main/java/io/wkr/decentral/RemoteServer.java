package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.JsonNode;
import io.wkr.decentral.internal.JsonDocuments;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A wkr server the units call: its host, {@code port_in} (requests) and {@code port_out}
 * (replies). On the command line, in the status and in control requests a server is the
 * original's JSON {@code ["host", 5555, 5556]} (a list of them: {@code [["host", 5555, 5556],
 * ...]}); {@link #toJson()} is how documents write it.
 */
public record RemoteServer(String host, int portIn, int portOut) {

    public RemoteServer {
        Objects.requireNonNull(host, "host == null");
        if (host.isBlank()) throw new IllegalArgumentException("host is blank");
        if (portIn < 1 || portIn > 65535) throw new IllegalArgumentException("port_in not in 1..65535: " + portIn);
        if (portOut < 1 || portOut > 65535) throw new IllegalArgumentException("port_out not in 1..65535: " + portOut);
        if (portIn == portOut) throw new IllegalArgumentException("port_in == port_out: " + portIn);
    }

    /**
     * Parses {@code [["host", port_in, port_out], ...]}: a non-empty JSON list of {@code [string,
     * int, int]}, as the original checked it.
     *
     * @throws IllegalArgumentException saying what is wrong, for bad JSON or a bad entry
     */
    public static List<RemoteServer> parseList(String json) {
        Objects.requireNonNull(json, "json == null");
        JsonNode v;
        try {
            v = JsonDocuments.readTree(json, JsonDocuments.SMALL);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("remote servers are not valid JSON (" + e.getMessage()
                    + "); expected [[\"host\", port_in, port_out], ...] with the host in double quotes");
        }
        return fromTree(v);
    }

    /**
     * As {@link #parseList}, from a value already in Java form: a {@code List} of {@code
     * [String, integer, integer]} lists (what {@link #toJson()} makes).
     */
    public static List<RemoteServer> fromJson(Object v) {
        return fromTree(JsonDocuments.toTree(v));
    }

    /** As {@link #parseList}, from a parsed JSON tree. */
    static List<RemoteServer> fromTree(JsonNode v) {
        if (v == null || !v.isArray() || v.isEmpty()) {
            throw new IllegalArgumentException("remote servers must be a non-empty list of [\"host\", port_in, port_out]");
        }
        List<RemoteServer> out = new ArrayList<>(v.size());
        for (JsonNode e : v) {
            if (!e.isArray() || e.size() != 3 || !e.get(0).isTextual() || !isLong(e.get(1)) || !isLong(e.get(2))) {
                throw new IllegalArgumentException("bad remote server " + JsonDocuments.writeString(e)
                        + ": expected [\"host\", port_in, port_out]");
            }
            out.add(new RemoteServer(e.get(0).textValue(), checkedPort(e.get(1).longValue()),
                    checkedPort(e.get(2).longValue())));
        }
        return List.copyOf(out);
    }

    private static boolean isLong(JsonNode n) {
        return n.isIntegralNumber() && n.canConvertToLong();
    }

    private static int checkedPort(long p) {
        if (p < 1 || p > 65535) throw new IllegalArgumentException("port not in 1..65535: " + p);
        return (int) p;
    }

    /** {@code ["host", port_in, port_out]}, the form the original's status shows; how JSON documents write a server. */
    @JsonValue
    public List<Object> toJson() {
        return List.of(host, portIn, portOut);
    }

    /** {@code host:port_in}. */
    public String address() {
        return host + ":" + portIn;
    }

    @Override
    public String toString() {
        return host + ":" + portIn + "/" + portOut;
    }
}

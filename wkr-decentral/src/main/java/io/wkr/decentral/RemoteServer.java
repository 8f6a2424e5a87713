package io.wkr.decentral;

import io.wkr.protocol.internal.Json;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * A wkr server the units call: its host, {@code port_in} (requests) and {@code port_out}
 * (replies). On the command line a list of them is the original's JSON, {@code [["host", 5555,
 * 5556], ...]}.
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
        Object v;
        try {
            v = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("remote servers are not valid JSON (" + e.getMessage()
                    + "); expected [[\"host\", port_in, port_out], ...] with the host in double quotes");
        }
        return fromJson(v);
    }

    /** As {@link #parseList}, from an already parsed JSON value. */
    public static List<RemoteServer> fromJson(Object v) {
        if (!(v instanceof List<?> list) || list.isEmpty()) {
            throw new IllegalArgumentException("remote servers must be a non-empty list of [\"host\", port_in, port_out]");
        }
        List<RemoteServer> out = new ArrayList<>(list.size());
        for (Object e : list) {
            if (!(e instanceof List<?> t) || t.size() != 3 || !(t.get(0) instanceof String host)
                    || !(t.get(1) instanceof Long in) || !(t.get(2) instanceof Long out2)) {
                throw new IllegalArgumentException("bad remote server " + Json.write(e)
                        + ": expected [\"host\", port_in, port_out]");
            }
            out.add(new RemoteServer(host, checkedPort(in), checkedPort(out2)));
        }
        return List.copyOf(out);
    }

    private static int checkedPort(long p) {
        if (p < 1 || p > 65535) throw new IllegalArgumentException("port not in 1..65535: " + p);
        return (int) p;
    }

    /** {@code ["host", port_in, port_out]}, the form the original's status shows. */
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

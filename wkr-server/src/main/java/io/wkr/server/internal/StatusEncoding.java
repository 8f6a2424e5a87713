package io.wkr.server.internal;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.wkr.protocol.Wire;
import io.wkr.server.status.ServerSnapshot;
import java.util.Map;

/**
 * The status document, made from a {@link ServerSnapshot} once as a JSON tree (with {@link
 * ServerJson}'s policy) and written from that tree as JSON ({@code /status}, {@code SHOW_CONFIG}
 * with {@code {"format":"json"}}) or as a Python pickle of a dict (what the original Python client
 * reads: protocol 2, only dict/list/str/int/float/bool/None). The JSON and the pickle cannot
 * disagree on keys, nulls or number types. The server only ever writes pickles; it never reads one.
 */
public final class StatusEncoding {
    /** Info frame of a JSON status reply. */
    public static final byte[] JSON_INFO = ServerJson.bytes(Map.of(Wire.INFO_FORMAT, "json"));

    private StatusEncoding() {}

    /**
     * The status document.
     *
     * @param client the identity of the client that asked, added last as {@code client}; null to
     *     leave the key out ({@code /status})
     */
    public static ObjectNode tree(ServerSnapshot snapshot, String client) {
        ObjectNode tree = ServerJson.MAPPER.valueToTree(snapshot);
        if (client != null) tree.put("client", client);
        return tree;
    }

    public static byte[] json(ServerSnapshot snapshot, String client) {
        return ServerJson.bytes(tree(snapshot, client));
    }

    public static byte[] pickle(ServerSnapshot snapshot, String client) {
        return PickleWriter.dumps(tree(snapshot, client));
    }
}

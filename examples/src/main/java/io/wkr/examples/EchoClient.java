package io.wkr.examples;

import io.wkr.client.ClientConfig;
import io.wkr.client.WKRClient;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import java.io.PrintStream;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Calls an echo server and prints what comes back.
 *
 * <pre>
 * java -cp ... io.wkr.examples.EchoClient [host] [port_in] [port_out] [obj|numpy]
 * </pre>
 */
public final class EchoClient {
    private EchoClient() {}

    public static void main(String[] args) {
        String host = args.length > 0 ? args[0] : "localhost";
        int portIn = args.length > 1 ? Integer.parseInt(args[1]) : 5555;
        int portOut = args.length > 2 ? Integer.parseInt(args[2]) : 5556;
        Protocol protocol = args.length > 3 ? Protocol.parse(args[3]) : Protocol.OBJ;
        run(ClientConfig.builder(host, portIn, portOut).protocol(protocol).build(), System.out);
    }

    /** Sends a few inputs and prints the answers; returns the number of answers. */
    public static int run(ClientConfig config, PrintStream out) {
        int answers = 0;
        try (WKRClient client = new WKRClient(config)) {
            out.println("connected to a wkr server speaking " + config.protocol().wireName() + " as " + client.identity());
            List<Object> inputs = config.protocol() == Protocol.NUMPY
                    ? List.of(Tensor.of(new float[] {1, 2, 3, 4}, 2, 2), Tensor.of(new int[] {7, 8, 9}))
                    : List.of("hello, wkr", List.of(1, 2, 3), Map.of("image", "cat.png", "top_k", 5),
                            Tensor.of(new float[] {0.5f, 1.5f}));
            for (Object input : inputs) {
                Object output = client.encode(input);
                out.println("  sent " + show(input) + " -> got " + show(output));
                answers++;
            }
        }
        return answers;
    }

    static String show(Object v) {
        if (v instanceof Tensor t) {
            String values = switch (t.dtype()) {
                case FLOAT32 -> Arrays.toString(t.toFloatArray());
                case INT32 -> Arrays.toString(t.toIntArray());
                default -> t.bytes().length + " bytes";
            };
            return t + " " + values;
        }
        return String.valueOf(v);
    }
}

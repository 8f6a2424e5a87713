package io.wkr.examples;

import io.wkr.client.ClientConfig;
import io.wkr.client.WKRClient;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.Tensor;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Classifies the whole iris data set through an {@link IrisWorker} server from the Java client
 * (all 150 flowers in flight at once, so the server batches them) and prints the accuracy; with
 * an HTTP port, also classifies one flower over {@code POST /encode}.
 *
 * <pre>
 * java -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' \
 *     io.wkr.examples.IrisClient localhost 5555 5556 8080
 * </pre>
 */
public final class IrisClient {
    private IrisClient() {}

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        int portIn = args.length > 1 ? Integer.parseInt(args[1]) : 5555;
        int portOut = args.length > 2 ? Integer.parseInt(args[2]) : 5556;
        ClientConfig config = ClientConfig.builder(host, portIn, portOut).protocol(Protocol.NUMPY).build();
        classify(config, System.out);
        if (args.length > 3) classifyOverHttp(host, Integer.parseInt(args[3]), System.out);
    }

    /** Classifies all rows through the server; returns the accuracy. */
    public static double classify(ClientConfig config, PrintStream out) throws Exception {
        Iris.Data data = Iris.load();
        int correct = 0;
        long t0 = System.nanoTime();
        try (WKRClient client = new WKRClient(config)) {
            List<CompletableFuture<Object>> replies = new ArrayList<>();
            for (float[] row : data.features()) replies.add(client.encodeAsync(Tensor.of(row)));
            for (int i = 0; i < data.size(); i++) {
                float[] logits = ((Tensor) replies.get(i).get(config.timeout().toMillis(), TimeUnit.MILLISECONDS)).toFloatArray();
                if (Iris.argMax(logits) == data.labels()[i]) correct++;
            }
        }
        double acc = (double) correct / data.size();
        out.printf("classified %d iris flowers through wkr in %d ms: %d correct, accuracy %.2f %%%n", data.size(),
                (System.nanoTime() - t0) / 1_000_000, correct, 100 * acc);
        return acc;
    }

    /** Sends the first flower as JSON to {@code POST /encode}; returns the predicted species. */
    public static String classifyOverHttp(String host, int httpPort, PrintStream out) throws Exception {
        float[] row = Iris.load().features()[0];
        String body = "{\"dtype\": \"float32\", \"shape\": [4], \"data\": " + Arrays.toString(row) + "}";
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create("http://" + host + ":" + httpPort + "/encode"))
                .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
        if (res.statusCode() != 200) throw new IllegalStateException("POST /encode answered " + res.statusCode() + ": " + res.body());
        // {"result": {"dtype": "float32", "shape": [3], "data": [a, b, c]}, "latency_ms": ...}
        String data = res.body().replaceAll("(?s).*\"data\"\\s*:\\s*\\[([^\\]]*)\\].*", "$1");
        String[] parts = data.split(",");
        float[] logits = new float[parts.length];
        for (int i = 0; i < parts.length; i++) logits[i] = Float.parseFloat(parts[i].trim());
        String species = Iris.SPECIES[Iris.argMax(logits)];
        out.printf("POST /encode %s -> %s (logits %s)%n", Arrays.toString(row), species, Arrays.toString(logits));
        return species;
    }
}

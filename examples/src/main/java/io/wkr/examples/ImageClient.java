package io.wkr.examples;

import io.wkr.client.ClientConfig;
import io.wkr.client.WKRClient;
import io.wkr.protocol.Protocol;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Sends one image to an {@link ImageWorker} server once per operation and writes the PNGs it gets
 * back, to look at. Without an input file it draws a test picture. The same server also takes a
 * file uploaded on its dashboard (default operation) or {@code POST /encode/file}.
 *
 * <pre>
 * java -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' \
 *     io.wkr.examples.ImageClient localhost 5555 5556 [photo.jpg] [out-dir]
 * </pre>
 */
public final class ImageClient {
    private ImageClient() {}

    public static void main(String[] args) throws Exception {
        String host = args.length > 0 ? args[0] : "localhost";
        int portIn = args.length > 1 ? Integer.parseInt(args[1]) : 5555;
        int portOut = args.length > 2 ? Integer.parseInt(args[2]) : 5556;
        byte[] image = args.length > 3 && !args[3].isEmpty() ? Files.readAllBytes(Path.of(args[3])) : testPicture(320, 240);
        Path outDir = Path.of(args.length > 4 ? args[4] : "image-results");
        run(ClientConfig.builder(host, portIn, portOut).protocol(Protocol.OBJ).build(), image, outDir, System.out);
    }

    /** Runs every operation on {@code image}; writes {@code <op>.png} under {@code outDir}; returns the PNGs by operation. */
    public static Map<String, byte[]> run(ClientConfig config, byte[] image, Path outDir, PrintStream out) throws IOException {
        Files.createDirectories(outDir);
        Files.write(outDir.resolve("input.png"), image);
        Map<String, byte[]> results = new LinkedHashMap<>();
        try (WKRClient client = new WKRClient(config)) {
            Map<String, Map<String, Object>> requests = new LinkedHashMap<>();
            requests.put("default", null);
            requests.put("grayscale", Map.of("image", image, "op", "grayscale"));
            requests.put("blur", Map.of("image", image, "op", "blur", "sigma", 3.0));
            requests.put("edges", Map.of("image", image, "op", "edges"));
            requests.put("resize", Map.of("image", image, "op", "resize", "width", 160, "height", 90));
            for (Map.Entry<String, Map<String, Object>> e : requests.entrySet()) {
                long t0 = System.nanoTime();
                byte[] png = client.encode(e.getValue() == null ? image : e.getValue(), byte[].class);
                BufferedImage img = ImageIO.read(new java.io.ByteArrayInputStream(png));
                Path file = outDir.resolve(e.getKey() + ".png");
                Files.write(file, png);
                results.put(e.getKey(), png);
                out.printf("%-9s -> %s (%d x %d, %d bytes) in %.1f ms%n", e.getKey(), file, img.getWidth(), img.getHeight(),
                        png.length, (System.nanoTime() - t0) / 1e6);
            }
        }
        return results;
    }

    /** A test picture as PNG: a colour gradient with a white rectangle and a dark disc. */
    public static byte[] testPicture(int width, int height) {
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) img.setRGB(x, y, (255 * x / width) << 16 | (255 * y / height) << 8 | 96);
        }
        Graphics2D g = img.createGraphics();
        g.setColor(Color.WHITE);
        g.fillRect(width / 8, height / 4, width / 3, height / 2);
        g.setColor(new Color(20, 20, 60));
        g.fillOval(width / 2, height / 5, height / 2, height / 2);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

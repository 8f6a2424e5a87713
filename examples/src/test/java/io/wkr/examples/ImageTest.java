package io.wkr.examples;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.client.WKRClient;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.Protocol;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.TestServers;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The image worker against Java reference computations, from the Java client and over HTTP. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ImageTest {
    @TempDir Path dir;

    private WKRServer start(String defaultOp) {
        return TestServers.start(TestServers.config(dir).protocol(Protocol.OBJ).modelName(defaultOp).httpPort(0).build(),
                ImageWorker::new);
    }

    private static BufferedImage read(byte[] png) throws Exception {
        assertThat(png).startsWith(0x89, 'P', 'N', 'G');
        return ImageIO.read(new ByteArrayInputStream(png));
    }

    /** Luma of every pixel, as the worker computes it. */
    private static double[][] luma(BufferedImage img) {
        double[][] l = new double[img.getHeight()][img.getWidth()];
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int p = img.getRGB(x, y);
                l[y][x] = 0.299f * ((p >> 16) & 0xff) + 0.587f * ((p >> 8) & 0xff) + 0.114f * (p & 0xff);
            }
        }
        return l;
    }

    /** Sobel magnitude with zero padding, clipped to 255 and rounded: the Java reference for "edges". */
    static int[][] sobelReference(BufferedImage img) {
        double[][] l = luma(img);
        int h = l.length;
        int w = l[0].length;
        int[][] kx = {{-1, 0, 1}, {-2, 0, 2}, {-1, 0, 1}};
        int[][] ky = {{-1, -2, -1}, {0, 0, 0}, {1, 2, 1}};
        int[][] out = new int[h][w];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                double gx = 0;
                double gy = 0;
                for (int j = -1; j <= 1; j++) {
                    for (int i = -1; i <= 1; i++) {
                        double v = y + j < 0 || y + j >= h || x + i < 0 || x + i >= w ? 0 : l[y + j][x + i];
                        gx += kx[j + 1][i + 1] * v;
                        gy += ky[j + 1][i + 1] * v;
                    }
                }
                out[y][x] = (int) Math.round(Math.min(255, Math.sqrt(gx * gx + gy * gy)));
            }
        }
        return out;
    }

    private static void assertGrayMatches(BufferedImage actual, int[][] expected, int tolerance) {
        assertThat(actual.getHeight()).isEqualTo(expected.length);
        assertThat(actual.getWidth()).isEqualTo(expected[0].length);
        int worst = 0;
        int edgePixels = 0;
        for (int y = 0; y < expected.length; y++) {
            for (int x = 0; x < expected[0].length; x++) {
                int got = actual.getRaster().getSample(x, y, 0);
                worst = Math.max(worst, Math.abs(got - expected[y][x]));
                if (expected[y][x] > 100) edgePixels++;
            }
        }
        assertThat(worst).as("largest difference from the Java reference").isLessThanOrEqualTo(tolerance);
        assertThat(edgePixels).as("the picture has edges to find").isGreaterThan(100);
    }

    @Test
    void shouldMatchTheJavaReferenceForEdgesAndGrayscale() throws Exception {
        byte[] picture = ImageClient.testPicture(96, 64);
        BufferedImage input = read(picture);
        try (WKRServer server = start("edges"); WKRClient client = new WKRClient(TestServers.client(server).build())) {
            BufferedImage edges = read(client.encode(picture, byte[].class));
            assertThat(edges.getRaster().getNumBands()).isEqualTo(1);
            assertGrayMatches(edges, sobelReference(input), 1);
            BufferedImage gray = read(client.encode(Map.of("image", picture, "op", "grayscale"), byte[].class));
            double[][] l = luma(input);
            int[][] expected = new int[l.length][l[0].length];
            for (int y = 0; y < l.length; y++) for (int x = 0; x < l[0].length; x++) expected[y][x] = (int) Math.round(l[y][x]);
            for (int y = 0; y < l.length; y++) {
                for (int x = 0; x < l[0].length; x++) {
                    assertThat(Math.abs(gray.getRaster().getSample(x, y, 0) - expected[y][x])).isLessThanOrEqualTo(1);
                }
            }
        }
    }

    @Test
    void shouldRunEveryOperationFromTheClient() throws Exception {
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        try (WKRServer server = start(null)) {
            Map<String, byte[]> results = ImageClient.run(TestServers.client(server).build(), ImageClient.testPicture(120, 80),
                    dir.resolve("out"), new PrintStream(buf, true, StandardCharsets.UTF_8));
            assertThat(results).containsOnlyKeys("default", "grayscale", "blur", "edges", "resize");
            assertThat(results.get("default")).isEqualTo(results.get("edges"));
            BufferedImage resized = read(results.get("resize"));
            assertThat(resized.getWidth()).isEqualTo(160);
            assertThat(resized.getHeight()).isEqualTo(90);
            BufferedImage blurred = read(results.get("blur"));
            assertThat(blurred.getWidth()).isEqualTo(120);
            // A blur of a flat region keeps its level, borders included (normalised kernel).
            BufferedImage input = read(ImageClient.testPicture(120, 80));
            assertThat(Math.abs((blurred.getRGB(0, 79) & 0xff) - (input.getRGB(0, 79) & 0xff))).isLessThanOrEqualTo(2);
            assertThat(dir.resolve("out/edges.png")).exists();
        }
        assertThat(buf.toString(StandardCharsets.UTF_8)).contains("resize    -> ").contains("(160 x 90,");
    }

    @Test
    void shouldAnswerBadRequestsAndServeUploadsOverHttp() throws Exception {
        byte[] picture = ImageClient.testPicture(40, 30);
        try (WKRServer server = start("grayscale"); WKRClient client = new WKRClient(TestServers.client(server).build())) {
            assertThatThrownBy(() -> client.encode("not an image".getBytes(StandardCharsets.UTF_8)))
                    .isInstanceOf(BadRequestException.class).hasMessageContaining("not a PNG/JPEG image");
            assertThatThrownBy(() -> client.encode(Map.of("image", picture, "op", "sharpen")))
                    .isInstanceOf(BadRequestException.class).hasMessageContaining("unknown operation 'sharpen'");
            assertThatThrownBy(() -> client.encode(42)).isInstanceOf(BadRequestException.class);
            HttpClient http = HttpClient.newHttpClient();
            String base = "http://127.0.0.1:" + server.httpPort();
            HttpResponse<String> upload = http.send(HttpRequest.newBuilder(URI.create(base + "/encode/file"))
                    .header("Content-Type", "application/octet-stream").POST(HttpRequest.BodyPublishers.ofByteArray(picture)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(upload.statusCode()).isEqualTo(200);
            assertThat(upload.body()).contains("\"content_type\":\"image/png\"");
            String json = "{\"image\": \"" + Base64.getEncoder().encodeToString(picture) + "\", \"op\": \"resize\", \"width\": 20, \"height\": 10}";
            HttpResponse<String> res = http.send(HttpRequest.newBuilder(URI.create(base + "/encode"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(json)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(res.statusCode()).isEqualTo(200);
            String b64 = res.body().replaceAll("(?s).*\"base64\"\\s*:\\s*\"([^\"]*)\".*", "$1");
            BufferedImage small = read(Base64.getDecoder().decode(b64));
            assertThat(small.getWidth()).isEqualTo(20);
            assertThat(small.getHeight()).isEqualTo(10);
            HttpResponse<String> bad = http.send(HttpRequest.newBuilder(URI.create(base + "/encode"))
                    .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{\"op\": \"blur\"}")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(bad.statusCode()).isEqualTo(400);
        }
    }
}

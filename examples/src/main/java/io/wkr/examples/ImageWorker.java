package io.wkr.examples;

import ai.djl.Device;
import ai.djl.modality.cv.Image;
import ai.djl.modality.cv.util.NDImageUtils;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.convolutional.Conv2d;
import io.wkr.protocol.BadRequestException;
import io.wkr.server.djl.DjlModel;
import io.wkr.server.djl.DjlWorker;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/**
 * Image processing as tensor operations on the worker's device (CPU or GPU, whatever {@code
 * -device_map} gives it): PNG or JPEG in, PNG out, the operation chosen per request. Served with
 * the {@code obj} protocol:
 *
 * <ul>
 *   <li>a {@code byte[]} (a PNG or JPEG file) gets the default operation, {@code -model_name}
 *       ({@code edges} when not given), so the dashboard's file upload works as it is;
 *   <li>a {@code Map} chooses: {@code {"image": <byte[] or base64 string>, "op": "grayscale" |
 *       "blur" | "edges" | "resize", "sigma": 2.0, "width": 64, "height": 48}}, from the Java
 *       client or as JSON to {@code POST /encode}.
 * </ul>
 *
 * <p>Operations: {@code grayscale} (ITU-R 601 luma), {@code blur} (Gaussian, {@code sigma} in
 * pixels, normalised at the borders), {@code edges} (Sobel gradient magnitude of the luma, zero
 * padding, clipped to 255), {@code resize} (bilinear to {@code width} × {@code height}). Requests
 * that are not an image, name an unknown operation or exceed {@value #MAX_PIXELS} pixels are
 * answered {@code BAD_REQUEST}.
 *
 * <pre>
 * scripts/wkr-serving-start io.wkr.examples.ImageWorker -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' \
 *     -protocol obj -model_name edges -port_in 5555 -port_out 5556 -http_port 8080
 * </pre>
 */
public class ImageWorker extends DjlWorker<Object, byte[]> {
    /** The largest image accepted, in pixels (16 megapixels). */
    public static final int MAX_PIXELS = 1 << 24;

    /** The operations, named in requests in lower case. */
    public enum Op { GRAYSCALE, BLUR, EDGES, RESIZE }

    private static final float[] LUMA = {0.299f, 0.587f, 0.114f};

    /** A checked request, decoded once in {@link #checkInput} and used by {@link #predict}. */
    private record Request(BufferedImage image, Op op, double sigma, int width, int height) {}

    private final Map<Object, Request> checked = new IdentityHashMap<>();
    private Op defaultOp = Op.EDGES;

    /** No model: only the device. {@code -model_name}, when given, names the default operation. */
    @Override
    public DjlModel getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        if (modelName != null && !modelName.isBlank()) defaultOp = op(modelName);
        logger().info("image worker {} on {}: default operation {}", workerId(), env, defaultOp.name().toLowerCase(Locale.ROOT));
        return DjlModel.deviceOnly((Device) env);
    }

    @Override
    public void checkInput(Object input) {
        checked.put(input, parse(input));
    }

    private Request parse(Object input) {
        if (input instanceof byte[] bytes) return new Request(decode(bytes), defaultOp, 2.0, 0, 0);
        if (!(input instanceof Map<?, ?> map)) {
            throw new BadRequestException("send a PNG/JPEG as byte[], or a map {\"image\": ..., \"op\": ...}; got "
                    + (input == null ? "null" : input.getClass().getSimpleName()));
        }
        Object image = map.get("image");
        byte[] bytes;
        if (image instanceof byte[] b) bytes = b;
        else if (image instanceof String s) bytes = base64(s);
        else throw new BadRequestException("\"image\" must be the PNG/JPEG bytes or a base64 string");
        Op op = map.get("op") == null ? defaultOp : op(String.valueOf(map.get("op")));
        double sigma = number(map, "sigma", 2.0);
        if (!(sigma > 0 && sigma <= 10)) throw new BadRequestException("\"sigma\" must be in (0, 10], got " + sigma);
        BufferedImage img = decode(bytes);
        int width = (int) number(map, "width", Math.max(1, img.getWidth() / 2));
        int height = (int) number(map, "height", Math.max(1, img.getHeight() / 2));
        if (width < 1 || height < 1 || (long) width * height > MAX_PIXELS) {
            throw new BadRequestException("resize to " + width + " x " + height + " is out of range");
        }
        return new Request(img, op, sigma, width, height);
    }

    private static Op op(String name) {
        try {
            return Op.valueOf(name.trim().toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("unknown operation '" + name + "'; one of grayscale, blur, edges, resize");
        }
    }

    private static double number(Map<?, ?> map, String key, double fallback) {
        Object v = map.get(key);
        if (v == null) return fallback;
        if (v instanceof Number n) return n.doubleValue();
        throw new BadRequestException("\"" + key + "\" must be a number, got " + v);
    }

    private static byte[] base64(String s) {
        try {
            return Base64.getDecoder().decode(s.replaceFirst("^data:[^,]*,", "").trim());
        } catch (IllegalArgumentException e) {
            throw new BadRequestException("\"image\" is not valid base64: " + e.getMessage());
        }
    }

    /** PNG or JPEG bytes to an image. */
    static BufferedImage decode(byte[] bytes) {
        BufferedImage img;
        try {
            img = ImageIO.read(new ByteArrayInputStream(bytes));
        } catch (IOException | RuntimeException e) {
            throw new BadRequestException("not a readable PNG/JPEG image: " + e.getMessage());
        }
        if (img == null) throw new BadRequestException("not a PNG/JPEG image (" + bytes.length + " bytes)");
        if ((long) img.getWidth() * img.getHeight() > MAX_PIXELS) {
            throw new BadRequestException("image of " + img.getWidth() + " x " + img.getHeight() + " is larger than " + MAX_PIXELS + " pixels");
        }
        return img;
    }

    @Override
    protected List<byte[]> predict(DjlModel model, NDManager batch, List<Object> inputs) {
        try {
            List<byte[]> out = new ArrayList<>(inputs.size());
            for (Object input : inputs) {
                Request r = checked.get(input);
                if (r == null) r = parse(input);
                out.add(encode(apply(batch, r)));
            }
            return out;
        } finally {
            checked.clear();
        }
    }

    /** Runs the request's operation; returns [H, W, C] uint8 on the CPU side of the conversion. */
    static NDArray apply(NDManager m, Request r) {
        NDArray chw = toChw(m, r.image());
        NDArray result = switch (r.op()) {
            case GRAYSCALE -> grayscale(chw);
            case BLUR -> blur(chw, r.sigma());
            case EDGES -> edges(chw);
            case RESIZE -> NDImageUtils.resize(chw.transpose(1, 2, 0), r.width(), r.height(), Image.Interpolation.BILINEAR)
                    .transpose(2, 0, 1);
        };
        return result.clip(0, 255).round().toType(DataType.UINT8, false).transpose(1, 2, 0);
    }

    /** Pixels to a float32 [3, H, W] array on the manager's device. */
    static NDArray toChw(NDManager m, BufferedImage img) {
        int w = img.getWidth();
        int h = img.getHeight();
        int[] argb = img.getRGB(0, 0, w, h, null, 0, w);
        ByteBuffer rgb = m.allocateDirect(3 * w * h);
        for (int p : argb) rgb.put((byte) (p >> 16)).put((byte) (p >> 8)).put((byte) p);
        rgb.flip();
        return m.create(rgb, new Shape(h, w, 3), DataType.UINT8).toType(DataType.FLOAT32, false).transpose(2, 0, 1);
    }

    /** [3, H, W] to the luma [1, H, W]. */
    static NDArray grayscale(NDArray chw) {
        NDArray weights = chw.getManager().create(LUMA, new Shape(3, 1, 1));
        return chw.mul(weights).sum(new int[] {0}, true);
    }

    /** Gaussian blur per channel as one grouped convolution, divided by the blurred "ones" so borders keep their level. */
    static NDArray blur(NDArray chw, double sigma) {
        NDManager m = chw.getManager();
        int radius = Math.min(15, (int) Math.ceil(3 * sigma));
        int k = 2 * radius + 1;
        float[] kernel = new float[k * k];
        for (int y = 0; y < k; y++) {
            for (int x = 0; x < k; x++) {
                double dx = x - radius;
                double dy = y - radius;
                kernel[y * k + x] = (float) Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
            }
        }
        long c = chw.getShape().get(0);
        NDArray weight = m.create(kernel, new Shape(1, 1, k, k)).repeat(0, c);
        Shape stride = new Shape(1, 1);
        Shape pad = new Shape(radius, radius);
        Shape dilation = new Shape(1, 1);
        NDArray x = chw.expandDims(0);
        NDArray sum = Conv2d.conv2d(x, weight, null, stride, pad, dilation, (int) c).head();
        NDArray norm = Conv2d.conv2d(m.ones(x.getShape()), weight, null, stride, pad, dilation, (int) c).head();
        return sum.div(norm).squeeze(0);
    }

    /** Sobel gradient magnitude of the luma, zero padding: [1, H, W]. */
    static NDArray edges(NDArray chw) {
        NDManager m = chw.getManager();
        NDArray sobel = m.create(new float[] {-1, 0, 1, -2, 0, 2, -1, 0, 1, -1, -2, -1, 0, 0, 0, 1, 2, 1}, new Shape(2, 1, 3, 3));
        NDArray g = Conv2d.conv2d(grayscale(chw).expandDims(0), sobel, null, new Shape(1, 1), new Shape(1, 1)).head();
        return g.square().sum(new int[] {1}).sqrt();
    }

    /** [H, W, C] uint8 (C = 1 or 3) to PNG bytes. */
    static byte[] encode(NDArray hwc) {
        Shape s = hwc.getShape();
        int h = (int) s.get(0);
        int w = (int) s.get(1);
        int c = (int) s.get(2);
        byte[] px = hwc.toByteArray();
        BufferedImage img = new BufferedImage(w, h, c == 1 ? BufferedImage.TYPE_BYTE_GRAY : BufferedImage.TYPE_INT_RGB);
        if (c == 1) {
            img.getRaster().setDataElements(0, 0, w, h, px);
        } else {
            int[] rgb = new int[w * h];
            for (int i = 0; i < rgb.length; i++) rgb[i] = (px[3 * i] & 0xff) << 16 | (px[3 * i + 1] & 0xff) << 8 | (px[3 * i + 2] & 0xff);
            img.setRGB(0, 0, w, h, rgb, 0, w);
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(img, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}

package io.wkr.examples;

import ai.djl.Device;
import ai.djl.basicmodelzoo.cv.classification.ResNetV1;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import io.wkr.protocol.DType;
import io.wkr.server.djl.DjlModel;
import io.wkr.server.djl.DjlTensorWorker;
import io.wkr.server.djl.TensorSpec;
import java.nio.file.Path;

/**
 * A heavy model to show what batching buys: a ResNet from DJL's basic model zoo with random
 * weights (nothing is downloaded or loaded), one float32 image {@code [3, S, S]} in, 10 logits
 * out. {@code -model_name resnet<layers>@<S>} picks the depth (18, 34, 50, 101, 152) and the image
 * size; default {@code resnet18@32}.
 *
 * <pre>
 * scripts/wkr-serving-start io.wkr.examples.ResNetWorker -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' \
 *     -protocol numpy -model_name resnet18@32 -batch_size 32 -port_in 5555 -port_out 5556
 * </pre>
 */
public class ResNetWorker extends DjlTensorWorker {
    /** Depth and image size parsed from the model name. */
    public record Spec(int layers, int size) {
        public static Spec parse(String modelName) {
            String s = modelName == null || modelName.isBlank() ? "resnet18@32" : modelName.trim();
            if (!s.matches("resnet\\d+(@\\d+)?")) {
                throw new IllegalArgumentException("-model_name must look like resnet18 or resnet50@224, got " + modelName);
            }
            String[] p = s.substring("resnet".length()).split("@");
            return new Spec(Integer.parseInt(p[0]), p.length > 1 ? Integer.parseInt(p[1]) : 32);
        }

        public Block block() {
            return ResNetV1.builder().setImageShape(new Shape(3, size, size)).setNumLayers(layers).setOutSize(10).build();
        }

        public Shape batchShape(int n) {
            return new Shape(n, 3, size, size);
        }
    }

    private Spec spec = Spec.parse(null);

    /** Builds the network with random weights on the worker's device; {@code modelDir} is not read. */
    @Override
    public DjlModel getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        spec = Spec.parse(modelName);
        logger().info("worker {}: ResNet-{} for {}x{} images, random weights, on {}", workerId(), spec.layers(), spec.size(),
                spec.size(), env);
        return DjlModel.initialized((Device) env, "resnet" + spec.layers(), spec.block(), spec.batchShape(1));
    }

    @Override
    protected TensorSpec inputSpec() {
        return TensorSpec.of(DType.FLOAT32, 3, spec.size(), spec.size());
    }
}

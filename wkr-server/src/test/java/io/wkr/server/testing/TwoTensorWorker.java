package io.wkr.server.testing;

import io.wkr.server.WKRHardWorker;
import io.wkr.server.config.ModelSignature;
import io.wkr.server.config.TensorSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** A worker that declares two inputs and two outputs, and answers with a map of them. */
public final class TwoTensorWorker extends WKRHardWorker<Void, Object, Object> {
    @Override
    public ModelSignature signature() {
        return new ModelSignature(List.of(TensorSpec.of("TEXT", "BYTES", 1), TensorSpec.of("SCALE", "FP32", -1, 2)),
                List.of(TensorSpec.of("LENGTH", "INT64", 1), TensorSpec.of("SCALED", "FP32", -1, 2)));
    }

    @Override
    public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        return null;
    }

    @Override
    public List<Object> predict(Void model, List<Object> inputs) {
        return inputs.stream().map(in -> {
            Map<?, ?> m = (Map<?, ?>) in;
            Map<?, ?> text = (Map<?, ?>) m.get("TEXT");
            Map<?, ?> scale = (Map<?, ?>) m.get("SCALE");
            List<?> data = (List<?>) scale.get("data");
            return (Object) Map.of("LENGTH", List.of((long) ((List<?>) text.get("data")).get(0).toString().length()),
                    "SCALED", Map.of("datatype", "FP32", "shape", scale.get("shape"),
                            "data", data.stream().map(v -> ((Number) v).doubleValue() * 2).toList()));
        }).toList();
    }
}

package io.wkr.examples;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.basicmodelzoo.basic.Mlp;
import ai.djl.engine.Engine;
import ai.djl.inference.Predictor;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.ArrayDataset;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.NoopTranslator;
import io.wkr.server.djl.DjlEnvironment;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The iris data set and the MLP that classifies it: trained here on the real data (150 flowers, 4
 * measurements, 3 species; the CSV that ships with scikit-learn, in this module's resources),
 * saved to a model directory, and served by {@link IrisWorker}.
 *
 * <pre>
 * java -cp 'examples/target/wkr-examples-0.1.0-SNAPSHOT.jar:examples/target/lib/*' io.wkr.examples.Iris /tmp/iris-model
 * </pre>
 */
public final class Iris {
    /** The model name the files are saved under ({@code iris-0300.params}). */
    public static final String MODEL_NAME = "iris";

    static final int FEATURES = 4;
    static final int CLASSES = 3;
    static final int[] HIDDEN = {16, 16};
    static final int EPOCHS = 300;
    static final String[] SPECIES = {"setosa", "versicolor", "virginica"};

    private Iris() {}

    /** 150 rows of 4 measurements (cm) and the species index (0, 1, 2). */
    public record Data(float[][] features, int[] labels) {
        public int size() {
            return labels.length;
        }
    }

    /** The architecture: 4 -> 16 -> 16 -> 3 with ReLU, from DJL's basic model zoo. */
    public static Block block() {
        return new Mlp(FEATURES, CLASSES, HIDDEN);
    }

    /** Reads {@code iris/iris.csv} from the class path. */
    public static Data load() {
        try (InputStream in = Iris.class.getResourceAsStream("/iris/iris.csv")) {
            if (in == null) throw new IllegalStateException("iris/iris.csv is not on the class path");
            BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.US_ASCII));
            String[] header = r.readLine().split(",");
            int n = Integer.parseInt(header[0]);
            float[][] x = new float[n][FEATURES];
            int[] y = new int[n];
            for (int i = 0; i < n; i++) {
                String[] f = r.readLine().split(",");
                for (int j = 0; j < FEATURES; j++) x[i][j] = Float.parseFloat(f[j]);
                y[i] = Integer.parseInt(f[FEATURES]);
            }
            return new Data(x, y);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Trains the MLP on all 150 rows (full-batch Adam, fixed seed) and saves it as {@code
     * modelDir/iris-NNNN.params}.
     *
     * @return the accuracy of the trained model on the data set, computed in-process
     */
    public static double train(Path modelDir, PrintStream out) throws Exception {
        DjlEnvironment.offlineByDefault();
        Data data = load();
        Files.createDirectories(modelDir);
        Engine.getEngine(DjlEnvironment.ENGINE).setRandomSeed(42);
        try (Model model = Model.newInstance(MODEL_NAME, Device.cpu(), DjlEnvironment.ENGINE)) {
            model.setBlock(block());
            NDManager manager = model.getNDManager();
            ArrayDataset dataset = new ArrayDataset.Builder()
                    .setData(manager.create(data.features()))
                    .optLabels(manager.create(data.labels()))
                    .setSampling(data.size(), false)
                    .build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.softmaxCrossEntropyLoss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed(0.02f)).build())
                    .optDevices(new Device[] {Device.cpu()});
            long t0 = System.nanoTime();
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(1, FEATURES));
                EasyTrain.fit(trainer, EPOCHS, dataset, null);
            }
            model.setProperty("Epoch", Integer.toString(EPOCHS));
            model.save(modelDir, MODEL_NAME);
            out.printf("trained a %d-%d-%d-%d MLP on %d iris rows for %d epochs in %d ms; saved to %s%n", FEATURES, HIDDEN[0],
                    HIDDEN[1], CLASSES, data.size(), EPOCHS, (System.nanoTime() - t0) / 1_000_000, modelDir);
        }
        return accuracyInProcess(modelDir, data);
    }

    /** Loads the saved model and classifies the whole data set with a DJL predictor, in-process. */
    public static double accuracyInProcess(Path modelDir, Data data) throws Exception {
        try (Model model = Model.newInstance(MODEL_NAME, Device.cpu(), DjlEnvironment.ENGINE)) {
            model.setBlock(block());
            model.load(modelDir, MODEL_NAME);
            try (Predictor<NDList, NDList> predictor = model.newPredictor(new NoopTranslator());
                    NDManager batch = model.getNDManager().newSubManager()) {
                NDArray logits = predictor.predict(new NDList(batch.create(data.features()))).head();
                long[] predicted = logits.argMax(1).toLongArray();
                int correct = 0;
                for (int i = 0; i < predicted.length; i++) if (predicted[i] == data.labels()[i]) correct++;
                return (double) correct / data.size();
            }
        }
    }

    /** The index of the largest of the logits. */
    public static int argMax(float[] logits) {
        int best = 0;
        for (int i = 1; i < logits.length; i++) if (logits[i] > logits[best]) best = i;
        return best;
    }

    static List<float[]> rows(Data data) {
        List<float[]> rows = new ArrayList<>(data.size());
        for (float[] r : data.features()) rows.add(r);
        return rows;
    }

    /** Trains and saves: {@code Iris <model_dir>}. */
    public static void main(String[] args) throws Exception {
        DjlEnvironment.offlineByDefault();
        Path dir = Path.of(args.length > 0 ? args[0] : "iris-model");
        double acc = train(dir, System.out);
        System.out.printf("in-process accuracy on the %d rows: %.2f %%%n", load().size(), 100 * acc);
    }
}

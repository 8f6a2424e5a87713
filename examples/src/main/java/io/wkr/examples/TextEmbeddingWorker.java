package io.wkr.examples;

import io.wkr.server.WKRHardWorker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.text.Normalizer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A text embedder that needs no download: each text becomes a {@value #DIMENSIONS}-dimensional
 * vector of feature-hashed word unigrams and bigrams and character 3- to 5-grams (of the
 * lower-cased, accent-stripped text, words padded with spaces), with a signed hash (so that
 * collisions cancel out on average) and sub-linear counts ({@code 1 + log n}), L2-normalised. Texts
 * that share words and word pieces get vectors with a high cosine; unrelated texts get vectors
 * near orthogonal. Deterministic: the same text always gets the same vector, in any process.
 * Input: a {@code String} ({@code -protocol obj}); output: a {@code float[]}. Served by {@code
 * POST /v1/embeddings} (docs/http.md, "OpenAI embeddings"):
 *
 * <pre>
 * scripts/wkr-serving-start io.wkr.examples.TextEmbeddingWorker -protocol obj -http_port 8080 \
 *     -cp examples/target/wkr-examples-0.1.0-SNAPSHOT.jar
 * </pre>
 */
public final class TextEmbeddingWorker extends WKRHardWorker<Void, String, float[]> {
    /** The size of every embedding. */
    public static final int DIMENSIONS = 384;
    private static final float WORD_WEIGHT = 1.0f;
    private static final float BIGRAM_WEIGHT = 0.7f;
    private static final float CHAR_WEIGHT = 0.35f;

    @Override
    public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
        logger().info("text embedding worker {}: hashed word and character n-grams into {} dimensions", workerId(),
                DIMENSIONS);
        return null;
    }

    @Override
    public List<float[]> predict(Void model, List<String> inputs) {
        List<float[]> out = new ArrayList<>(inputs.size());
        for (String text : inputs) out.add(embed(text));
        return out;
    }

    /** The embedding of one text: {@value #DIMENSIONS} floats of unit length (all zero for a text with no letters or digits). */
    public static float[] embed(String text) {
        List<String> words = words(text);
        float[] counts = new float[DIMENSIONS];
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            add(counts, "w:" + w, WORD_WEIGHT);
            if (i + 1 < words.size()) add(counts, "b:" + w + " " + words.get(i + 1), BIGRAM_WEIGHT);
            String padded = " " + w + " ";
            for (int n = 3; n <= 5; n++) {
                for (int s = 0; s + n <= padded.length(); s++) add(counts, "c:" + padded.substring(s, s + n), CHAR_WEIGHT);
            }
        }
        double norm = 0;
        for (int i = 0; i < DIMENSIONS; i++) {
            float c = counts[i];
            // sub-linear: a repeated feature counts less than twice
            counts[i] = c == 0 ? 0 : (float) (Math.signum(c) * (1 + Math.log(Math.abs(c) + 1) - Math.log(2)));
            norm += (double) counts[i] * counts[i];
        }
        if (norm > 0) {
            float inv = (float) (1 / Math.sqrt(norm));
            for (int i = 0; i < DIMENSIONS; i++) counts[i] *= inv;
        }
        return counts;
    }

    /** The words of a text: lower case, accents stripped, runs of letters and digits. */
    static List<String> words(String text) {
        String t = Normalizer.normalize(text, Normalizer.Form.NFKD).replaceAll("\\p{M}+", "").toLowerCase(Locale.ROOT);
        List<String> words = new ArrayList<>();
        for (String w : t.split("[^\\p{L}\\p{N}]+")) {
            if (!w.isEmpty()) words.add(w);
        }
        return words;
    }

    /** Adds a feature: its hash picks the dimension and the sign. */
    private static void add(float[] v, String feature, float weight) {
        long h = fnv1a64(feature);
        int index = (int) Long.remainderUnsigned(h, DIMENSIONS);
        v[index] += (h >>> 63) == 0 ? weight : -weight;
    }

    /** FNV-1a, 64 bits, of the UTF-8 bytes: stable across JVMs (unlike {@code String.hashCode} mixing). */
    private static long fnv1a64(String s) {
        long h = 0xcbf29ce484222325L;
        for (byte b : s.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h ^ (h >>> 29);
    }
}

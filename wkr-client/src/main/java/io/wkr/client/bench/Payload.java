package io.wkr.client.bench;

import io.wkr.protocol.DType;
import io.wkr.protocol.NumpyCodec;
import io.wkr.protocol.PayloadCodec;
import io.wkr.protocol.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * What each request carries: {@code vec128} (float32[128], 512 bytes), {@code img224}
 * (uint8[224,224,3], 150 528 bytes) or the bytes of a file (a uint8 tensor).
 *
 * @param name as given on the command line
 * @param tensor the value sent with the wkr client
 * @param wire frames 2 and 3 as the raw baselines send them (the numpy protocol's)
 */
record Payload(String name, Tensor tensor, PayloadCodec.Encoded wire) {

    static Payload parse(String spec) throws IOException {
        Random random = new Random(42);
        Tensor t;
        if (spec.equals("vec128")) {
            float[] v = new float[128];
            for (int i = 0; i < v.length; i++) v[i] = random.nextFloat();
            t = Tensor.of(v);
        } else if (spec.equals("img224")) {
            byte[] b = new byte[224 * 224 * 3];
            random.nextBytes(b);
            t = Tensor.wrap(DType.UINT8, new int[] {224, 224, 3}, b);
        } else if (spec.startsWith("file:")) {
            t = Tensor.ofUint8(Files.readAllBytes(Path.of(spec.substring(5))));
        } else {
            throw new IllegalArgumentException("payload must be vec128, img224 or file:PATH, got " + spec);
        }
        return new Payload(spec, t, NumpyCodec.INSTANCE.encode(t, 0));
    }

    int bytes() {
        return tensor.bytes().length;
    }
}

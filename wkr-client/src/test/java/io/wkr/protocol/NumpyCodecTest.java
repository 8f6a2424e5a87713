package io.wkr.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.wkr.protocol.internal.Json;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The {@code numpy} protocol's dtype names, shapes and error texts, tried as an attacker would. */
class NumpyCodecTest {
    private static final NumpyCodec NUMPY = NumpyCodec.INSTANCE;

    private static Map<String, Object> info(String json) {
        return Json.parseObject(json.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void shouldQuoteOnlyAPrefixOfWhatWasSent() {
        String huge = "x".repeat(1 << 20);
        Throwable unknownDtype = catchThrowable(() -> NUMPY.decode(new byte[4], Map.of("dtype", huge, "shape", List.of(1))));
        assertThat(unknownDtype).isInstanceOf(BadRequestException.class);
        assertThat(unknownDtype.getMessage()).hasSizeLessThan(300).contains("...(1048576 chars)");
        Throwable noDtype = catchThrowable(() -> NUMPY.decode(new byte[4], Map.of("shape", List.of(1), "pad", huge)));
        assertThat(noDtype.getMessage()).startsWith("numpy protocol: info needs a string 'dtype'").hasSizeLessThan(300);
        Throwable noShape = catchThrowable(() -> NUMPY.decode(new byte[4], Map.of("dtype", "uint8", "pad", huge)));
        assertThat(noShape.getMessage()).startsWith("numpy protocol: info needs a list 'shape'").hasSizeLessThan(300);
        List<Object> longShape = new ArrayList<>(Collections.nCopies(40, 1L));
        longShape.add("x".repeat(1000));
        assertThat(catchThrowable(() -> NUMPY.decode(new byte[4], Map.of("dtype", "uint8", "shape", longShape))).getMessage())
                .hasSizeLessThan(300);
    }

    @Test
    void shouldRefuseShapesThatAreNotSmallNonNegativeIntegers() {
        for (String shape : List.of("[2.0]", "[1e3]", "[4294967298]", "[-1]", "[2147483648]", "[true]", "[null]", "[[2]]",
                "[9223372036854775808]")) {
            assertThatThrownBy(() -> NUMPY.decode(new byte[2], info("{\"dtype\":\"uint8\",\"shape\":" + shape + "}")))
                    .as(shape).isInstanceOf(BadRequestException.class)
                    .hasMessageContaining("must hold integers from 0 to 2147483647");
        }
        // each dimension fits, their product does not
        assertThatThrownBy(() -> NUMPY.decode(new byte[2], info("{\"dtype\":\"uint8\",\"shape\":[65536,65536]}")))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("more than 2^31-1 elements");
        assertThatThrownBy(() -> NUMPY.decode(new byte[2], info("{\"dtype\":\"uint8\",\"shape\":[65536,32768,2]}")))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("more than 2^31-1 elements");
        // an empty array is empty whatever its other dimensions, as in numpy
        assertThat(NUMPY.decode(new byte[0], info("{\"dtype\":\"uint8\",\"shape\":[2147483647,2147483647,0]}")).shape())
                .containsExactly(Integer.MAX_VALUE, Integer.MAX_VALUE, 0);
    }

    @Test
    void shouldRefuseMoreDimensionsThanNumpyHas() {
        List<Object> shape = new ArrayList<>(Collections.nCopies(65, 1L));
        assertThatThrownBy(() -> NUMPY.decode(new byte[1], Map.of("dtype", "uint8", "shape", shape)))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("DecodeLimits.maxRank (64)");
        shape.remove(0);
        assertThat(NUMPY.decode(new byte[1], Map.of("dtype", "uint8", "shape", shape)).shape()).hasSize(64);
    }

    @Test
    void shouldChargeTheBudgetAndLetItsRefusalThrough() {
        long[] charged = new long[1];
        Tensor t = NUMPY.decode(new byte[8], info("{\"dtype\":\"<f4\",\"shape\":[2]}"), bytes -> charged[0] += bytes);
        assertThat(t.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(charged[0]).isPositive().isLessThan(1000); // the payload is wrapped, not copied
        OverloadedException full = new OverloadedException("full");
        assertThat(catchThrowable(() -> NUMPY.decode(new byte[8], info("{\"dtype\":\"<f4\",\"shape\":[2]}"), bytes -> {
            throw full;
        }))).isSameAs(full);
    }

    @Test
    void shouldKeepTheErrorTextThatPythonClientsSee() {
        assertThatThrownBy(() -> NUMPY.decode(new byte[4], info("{\"dtype\": \"float32\", \"shape\": [5, 5]}")))
                .hasMessage("shape [5, 5] of float32 needs 100 bytes, got 4");
        assertThatThrownBy(() -> Tensor.wrap(DType.UINT8, new int[1000], new byte[1]))
                .hasMessageStartingWith("shape [0, 0, 0").hasMessageContaining("(1000 dimensions)")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }
}

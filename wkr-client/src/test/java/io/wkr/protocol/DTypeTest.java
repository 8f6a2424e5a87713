package io.wkr.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** dtype names as numpy writes them, and nothing else. */
class DTypeTest {
    @Test
    void shouldMatchDtypesExactlyAsNumpyWritesThem() {
        // str(arr.dtype), arr.dtype.str, and the one-letter codes: for every dtype
        String[][] names = {
            {"bool", "|b1", "?"}, {"int8", "|i1", "b"}, {"uint8", "|u1", "B"}, {"int16", "<i2", "h"},
            {"uint16", "<u2", "H"}, {"int32", "<i4", "i"}, {"uint32", "<u4", "I"}, {"int64", "<i8", "q"},
            {"uint64", "<u8", "Q"}, {"float16", "<f2", "e"}, {"float32", "<f4", "f"}, {"float64", "<f8", "d"},
        };
        for (int k = 0; k < names.length; k++) {
            for (String name : names[k]) assertThat(DType.fromNumpy(name)).as(name).isEqualTo(DType.values()[k]);
            assertThat(DType.values()[k].numpyName()).isEqualTo(names[k][0]);
        }
        assertThat(DType.fromNumpy("float")).isEqualTo(DType.FLOAT64);
        assertThat(DType.fromNumpy("single")).isEqualTo(DType.FLOAT32);
        assertThat(DType.fromNumpy("u1")).isEqualTo(DType.UINT8);
    }

    @Test
    void shouldRefuseTextBytesObjectsAndOtherNonNumericDtypes() {
        Map<String, String> kinds = Map.of("<U1", "unicode strings", "U4", "unicode strings", "|S4", "byte strings",
                "|O", "Python objects", "object", "Python objects", "|V8", "raw or structured records",
                "<M8[ns]", "dates", "timedelta64", "time deltas", "complex64", "complex numbers", "<c8", "complex numbers");
        kinds.forEach((name, kind) -> assertThatThrownBy(() -> DType.fromNumpy(name)).as(name)
                .isInstanceOf(BadRequestException.class)
                .hasMessageStartingWith("dtype '" + name + "' (" + kind + ") is not supported"));
        // no lower-casing: numpy knows none of these
        for (String name : List.of("Float32", "FLOAT32", "<F4", "Uint8", "BOOL", "l", "=f4", "complex512", "strange")) {
            assertThatThrownBy(() -> DType.fromNumpy(name)).as(name).isInstanceOf(BadRequestException.class)
                    .hasMessageStartingWith("unknown dtype '" + name + "'");
        }
        assertThatThrownBy(() -> DType.fromNumpy(">f4")).hasMessage(
                "big-endian dtype '>f4' is not supported; send little-endian data");
    }

    @Test
    void shouldQuoteOnlyAPrefixOfAHugeName() {
        assertThatThrownBy(() -> DType.fromNumpy("<U" + "9".repeat(1 << 20))).isInstanceOf(BadRequestException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300).contains("...(1048578 chars)"));
        assertThatThrownBy(() -> DType.fromNumpy(">" + "f".repeat(1 << 20))).hasMessageStartingWith("big-endian dtype")
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(300));
    }
}

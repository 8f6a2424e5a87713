package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

class RequestIdsTest {
    private final RequestIds ids = new RequestIds(0x9f86d081884c7d65L);

    private static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    @Test
    void shouldWriteTheNonceInHexThenTheCounterInDecimal() {
        assertThat(ids.next()).isEqualTo(1);
        assertThat(ids.next()).isEqualTo(2);
        assertThat(new String(ids.encode(2), StandardCharsets.US_ASCII)).isEqualTo("9f86d081884c7d65-2");
        assertThat(new String(new RequestIds(1).encode(Long.MAX_VALUE), StandardCharsets.US_ASCII))
                .isEqualTo("0000000000000001-9223372036854775807");
        assertThat(ids.text(17)).isEqualTo("9f86d081884c7d65-17");
    }

    @Test
    void shouldReadBackOnlyTheIdsItIssued() {
        for (long n : List.of(1L, 9L, 10L, 123456789L, Long.MAX_VALUE)) assertThat(ids.decode(ids.encode(n))).isEqualTo(n);
        for (String foreign : List.of("1", "17", "", "9f86d081884c7d65", "9f86d081884c7d65-", "9f86d081884c7d66-1",
                "9F86D081884C7D65-1", "9f86d081884c7d65_1", "9f86d081884c7d65-01", "9f86d081884c7d65-0",
                "9f86d081884c7d65--1", "9f86d081884c7d65-1a", "9f86d081884c7d65-9223372036854775808",
                "9f86d081884c7d65-12345678901234567890", "x9f86d081884c7d65-1")) {
            assertThat(ids.decode(ascii(foreign))).as(foreign).isEqualTo(-1);
        }
    }

    @Test
    void shouldDrawADifferentNonceForEveryConnection() {
        String a = new String(new RequestIds().encode(1), StandardCharsets.US_ASCII);
        String b = new String(new RequestIds().encode(1), StandardCharsets.US_ASCII);
        assertThat(a).matches("[0-9a-f]{16}-1").isNotEqualTo(b);
    }
}

package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import io.wkr.protocol.Wire;
import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Timeouts too long for nanosecond arithmetic saturate instead of overflowing into "already late". */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class ClientTimeoutTest {

    @Test
    void shouldSaturateHugeTimeouts() {
        for (Duration huge : List.of(Duration.ofSeconds(Long.MAX_VALUE), ChronoUnit.FOREVER.getDuration(),
                Duration.ofDays(365L * 300), Duration.ofMillis(Long.MAX_VALUE))) {
            ClientConfig c = ClientConfig.builder("localhost", 1, 2).timeout(huge).build();
            assertThat(c.timeout()).isEqualTo(ClientConfig.MAX_TIMEOUT);
            assertThat(c.timeout().toNanos()).isEqualTo(1L << 62);
        }
        Duration year = Duration.ofDays(365);
        assertThat(ClientConfig.builder("localhost", 1, 2).timeout(year).build().timeout()).isEqualTo(year);
    }

    @Test
    void shouldWaitForTheReplyWithATimeoutOfForever() throws Exception {
        try (EchoPeer server = new EchoPeer();
                WKRClient client = new WKRClient(ClientConfig.builder("127.0.0.1", server.port, server.portOut)
                        .protocol(Protocol.OBJ).timeout(Duration.ofSeconds(Long.MAX_VALUE)).build())) {
            assertThat(client.encode("hello")).isEqualTo("hello");
            assertThat(client.encodeAsync("again").get(30, TimeUnit.SECONDS)).isEqualTo("again");
            // sent as a deadline of about 146 years, which the server reads as none (over 100 years)
            Object ms = server.requests.take().info().get(Wire.INFO_TIMEOUT_MS);
            assertThat(ms).isEqualTo(ClientConfig.MAX_TIMEOUT.toMillis());
            assertThat((Long) ms).isGreaterThan(Duration.ofDays(36525).toMillis());
        }
    }
}

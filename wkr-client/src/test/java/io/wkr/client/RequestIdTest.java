package io.wkr.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.protocol.Protocol;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Request ids are unique to the connection that sent them, and a reply is matched only to an id
 * its own connection issued: clients that share an identity (and so receive each other's
 * replies) never complete a future with another client's result.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class RequestIdTest {

    private static ClientConfig config(EchoPeer peer, String identity) {
        return ClientConfig.builder("127.0.0.1", peer.port, peer.portOut).protocol(Protocol.OBJ).identity(identity)
                .timeout(Duration.ofSeconds(20)).build();
    }

    @Test
    void shouldIgnoreRepliesToIdsThisConnectionDidNotIssue() throws Exception {
        try (EchoPeer peer = new EchoPeer(); WKRClient client = new WKRClient(config(peer, "me"))) {
            peer.forge = true; // each echo comes after two replies to the same identity with ids it did not issue
            for (int i = 0; i < 20; i++) assertThat(client.encode("sync-" + i)).isEqualTo("sync-" + i);
            List<CompletableFuture<Object>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) futures.add(client.encodeAsync("async-" + i));
            for (int i = 0; i < 20; i++) assertThat(futures.get(i).get(20, TimeUnit.SECONDS)).isEqualTo("async-" + i);
            assertThat(client.serverStatus()).containsEntry("protocol", "obj");
            assertThat(peer.requests).hasSize(40);
            assertThat(client.pendingRequests()).isZero();
        }
    }

    @Test
    void shouldSendIdsThatNoOtherConnectionSends() throws Exception {
        try (EchoPeer peer = new EchoPeer();
                WKRClient a = new WKRClient(config(peer, "shared"));
                WKRClient b = new WKRClient(config(peer, "shared"))) {
            assertThat(a.encode("a1")).isEqualTo("a1");
            assertThat(b.encode("b1")).isEqualTo("b1");
            assertThat(a.encode("a2")).isEqualTo("a2");
            String a1 = peer.requests.take().id();
            String b1 = peer.requests.take().id();
            String a2 = peer.requests.take().id();
            for (String id : List.of(a1, b1, a2)) assertThat(id).matches("[0-9a-f]{16}-[1-9][0-9]*");
            assertThat(prefix(a2)).isEqualTo(prefix(a1));
            assertThat(prefix(b1)).isNotEqualTo(prefix(a1));
            assertThat(counter(a2)).isEqualTo(counter(a1) + 1);
        }
    }

    private static String prefix(String id) {
        return id.substring(0, id.indexOf('-'));
    }

    private static long counter(String id) {
        return Long.parseLong(id.substring(id.indexOf('-') + 1));
    }
}

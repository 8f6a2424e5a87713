package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.wkr.server.config.ServerConfig;
import java.net.InetAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which hosts and addresses {@code -http_fetch_hosts} lets the server fetch from, without
 * sockets: the address classes refused unless a host is listed exactly, how entries match, and
 * what the config refuses as an entry.
 */
class FetchRulesTest {

    @Test
    void shouldCallOnlyPublicAddressesPublic() throws Exception {
        for (String a : List.of("127.0.0.1", "127.1.2.3", "10.0.0.1", "172.16.0.1", "172.31.255.255", "192.168.1.1",
                "169.254.169.254", "100.64.0.1", "0.0.0.0", "0.1.2.3", "224.0.0.1", "255.255.255.255", "240.0.0.1",
                "192.0.0.8", "198.18.0.1", "::", "::1", "fe80::1", "fc00::1", "fd12:3456::1", "fec0::1", "ff02::1",
                "::ffff:127.0.0.1", "::ffff:10.0.0.1", "::127.0.0.1", "2002:7f00:1::1", "64:ff9b::a00:1")) {
            assertThat(FetchRules.isPublic(InetAddress.getByName(a))).as(a).isFalse();
        }
        for (String a : List.of("93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1", "2606:4700::1111", "2a00:1450::1")) {
            assertThat(FetchRules.isPublic(InetAddress.getByName(a))).as(a).isTrue();
        }
    }

    @Test
    void shouldMatchExactNamesSubdomainPatternsAndTheWildcard() throws Exception {
        FetchRules rules = new FetchRules(List.of("images.example.com", "*.cdn.example", "10.0.0.7", "::1"));
        assertThat(rules.match("images.example.com")).isEqualTo(FetchRules.Match.EXACT);
        assertThat(rules.match("a.cdn.example")).isEqualTo(FetchRules.Match.PATTERN);
        assertThat(rules.match("cdn.example")).isEqualTo(FetchRules.Match.NONE);
        assertThat(rules.match("evilcdn.example")).isEqualTo(FetchRules.Match.NONE);
        assertThat(rules.match("images.example.com.evil")).isEqualTo(FetchRules.Match.NONE);
        assertThat(rules.match("::1")).isEqualTo(FetchRules.Match.EXACT);
        assertThat(new FetchRules(List.of("*")).match("anything.example")).isEqualTo(FetchRules.Match.PATTERN);
        // a listed private address is allowed; one a pattern reaches is not
        rules.checkAddresses("10.0.0.7", new InetAddress[] {InetAddress.getByName("10.0.0.7")});
        assertThatThrownBy(() -> rules.checkAddresses("a.cdn.example", new InetAddress[] {
            InetAddress.getByName("93.184.216.34"), InetAddress.getByName("10.0.0.7")}))
                .isInstanceOf(HttpError.class).hasMessageContaining("10.0.0.7");
        assertThat(rules.check("HTTPS://Images.Example.com/cat.png?x=1").getHost()).isEqualToIgnoringCase("images.example.com");
        assertThatThrownBy(() -> rules.check("http://images.example.com@evil.example/")).isInstanceOf(HttpError.class);
        assertThatThrownBy(() -> rules.check("ftp://images.example.com/x")).hasMessageContaining("only http and https");
        assertThatThrownBy(() -> rules.check("gopher://10.0.0.7:70/")).hasMessageContaining("only http and https");
    }

    @Test
    void shouldNormaliseFetchHostsAndRefuseUrlsPortsAndPaths() {
        ServerConfig c = ServerConfig.builder().httpFetchHosts(List.of(" Images.Example.COM ", "[::1]", "*", "*.cdn.example"))
                .build();
        assertThat(c.httpFetchHosts()).containsExactly("images.example.com", "::1", "*", "*.cdn.example");
        assertThat(ServerConfig.builder().build().httpFetchHosts()).isEmpty();
        for (String bad : List.of("http://images.example.com", "images.example.com/x", "host:80", "*example.com", "a.*.b",
                "", "bad_host")) {
            assertThatThrownBy(() -> ServerConfig.builder().httpFetchHosts(List.of(bad)).build()).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("httpFetchHosts");
        }
    }
}

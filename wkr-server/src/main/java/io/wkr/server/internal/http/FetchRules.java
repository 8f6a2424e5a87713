package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;

/**
 * Which URLs the server may fetch for {@code POST /encode_img_url} ({@code -http_fetch_hosts}):
 * {@code http} and {@code https} only, no user info, a host on the list ({@code images.example.com}
 * exactly, {@code *.example.com} for its subdomains, {@code *} for any host), and every address
 * the host resolves to public, unless the host is listed exactly (loopback, private, link-local,
 * unique-local, carrier-grade NAT, multicast, unspecified and reserved addresses are refused
 * otherwise). Immutable; any thread.
 */
final class FetchRules {
    private final List<String> hosts;

    /** @param hosts the normalised entries of {@code -http_fetch_hosts} (lower case, no brackets) */
    FetchRules(List<String> hosts) {
        this.hosts = List.copyOf(hosts);
    }

    boolean enabled() {
        return !hosts.isEmpty();
    }

    /**
     * Parses and checks a URL the client sent or a redirect named.
     *
     * @throws HttpError 400 for a malformed URL or another scheme, 403 for a host not on the list
     */
    URI check(String url) {
        URI uri;
        try {
            uri = new URI(url.strip());
        } catch (URISyntaxException e) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "img_url is not a URL: " + JsonInputs.quote(url, 200));
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "only http and https URLs are fetched, not '"
                    + JsonInputs.quote(url, 200) + "'");
        }
        if (uri.getHost() == null || uri.getRawUserInfo() != null) {
            throw new HttpError(400, ErrorCode.BAD_REQUEST, "the URL needs a host and no user info: '"
                    + JsonInputs.quote(url, 200) + "'");
        }
        if (match(host(uri)) == Match.NONE) {
            throw new HttpError(403, ErrorCode.UNAUTHORIZED, "the host '" + JsonInputs.quote(host(uri), 100)
                    + "' is not in -http_fetch_hosts; the server fetches only from the hosts listed there");
        }
        return uri;
    }

    /** The host of a checked URI, lower case, an IPv6 literal without brackets. */
    static String host(URI uri) {
        String h = uri.getHost().toLowerCase(Locale.ROOT);
        return h.startsWith("[") && h.endsWith("]") ? h.substring(1, h.length() - 1) : h;
    }

    enum Match { NONE, PATTERN, EXACT }

    Match match(String host) {
        Match best = Match.NONE;
        for (String entry : hosts) {
            if (entry.equals(host)) return Match.EXACT;
            if (entry.equals("*") || entry.startsWith("*.") && host.endsWith(entry.substring(1))) best = Match.PATTERN;
        }
        return best;
    }

    /**
     * Checks the addresses a host resolved to, once: the fetch then connects to one of them.
     *
     * @throws HttpError 403 when the host is not listed exactly and an address is not public
     */
    void checkAddresses(String host, InetAddress[] addresses) {
        if (match(host) == Match.EXACT) return;
        for (InetAddress a : addresses) {
            if (!isPublic(a)) {
                throw new HttpError(403, ErrorCode.UNAUTHORIZED, "the host '" + JsonInputs.quote(host, 100)
                        + "' resolves to " + a.getHostAddress() + ", a loopback, private or reserved address; list the "
                        + "host itself (not a pattern) in -http_fetch_hosts to fetch from it");
            }
        }
    }

    /** Whether an address is reachable on the public internet (not internal, not special). */
    static boolean isPublic(InetAddress a) {
        if (a.isAnyLocalAddress() || a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress()
                || a.isMulticastAddress()) {
            return false;
        }
        byte[] b = a.getAddress();
        if (a instanceof Inet4Address) {
            int b0 = b[0] & 0xff;
            int b1 = b[1] & 0xff;
            return b0 != 0 // this network
                    && !(b0 == 100 && b1 >= 64 && b1 < 128) // carrier-grade NAT
                    && !(b0 == 192 && b1 == 0 && (b[2] & 0xff) == 0) // IETF protocol assignments
                    && !(b0 == 198 && (b1 == 18 || b1 == 19)) // benchmarking
                    && b0 < 240; // reserved and broadcast
        }
        if (a instanceof Inet6Address) {
            int b0 = b[0] & 0xff;
            if ((b0 & 0xfe) == 0xfc) return false; // unique local fc00::/7
            boolean zero12 = true;
            for (int i = 0; i < 12; i++) zero12 &= b[i] == 0;
            if (zero12) return false; // IPv4-compatible ::a.b.c.d (and ::, ::1)
            if (b0 == 0x20 && b[1] == 0x02) return false; // 6to4 2002::/16 embeds any IPv4 address
            if (b0 == 0x00 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) return false; // NAT64
            return true;
        }
        return false;
    }
}

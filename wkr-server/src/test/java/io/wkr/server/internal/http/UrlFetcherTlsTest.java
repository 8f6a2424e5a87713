package io.wkr.server.internal.http;

import static io.wkr.server.internal.http.LegacyRoutesTest.PNG;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.wkr.server.internal.MemoryBudget;
import io.wkr.server.internal.batching.Job;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code https} fetches against a real TLS server on 127.0.0.1 whose certificate (made by the
 * JDK's {@code keytool}) names only {@code localhost}: a URL naming {@code localhost} is fetched
 * (the connection goes to the checked address, the certificate is verified against the URL's
 * name), the same server reached as {@code 127.0.0.1} fails the certificate check.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UrlFetcherTlsTest {
    private static final char[] PASSWORD = "changeit".toCharArray();
    @TempDir Path dir;
    private HttpsServer origin;
    private UrlFetcher fetcher;

    @AfterEach
    void stop() {
        if (fetcher != null) fetcher.close();
        if (origin != null) origin.stop(0);
    }

    @Test
    void shouldVerifyTheCertificateAgainstTheUrlsHostWhileConnectingToTheCheckedAddress() throws Exception {
        Path store = dir.resolve("tls.p12");
        Process keytool = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair", "-alias", "origin", "-keyalg", "EC", "-dname", "CN=localhost", "-ext", "SAN=dns:localhost",
                "-validity", "2", "-keystore", store.toString(), "-storetype", "PKCS12", "-storepass", "changeit")
                .redirectErrorStream(true).redirectOutput(dir.resolve("keytool.log").toFile()).start();
        assertThat(keytool.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(keytool.exitValue()).as(Files.readString(dir.resolve("keytool.log"))).isZero();
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD);
        }
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, PASSWORD);
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        SSLContext server = SSLContext.getInstance("TLS");
        server.init(kmf.getKeyManagers(), null, null);
        SSLContext client = SSLContext.getInstance("TLS");
        client.init(null, tmf.getTrustManagers(), null);

        AtomicInteger hits = new AtomicInteger();
        origin = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        origin.setHttpsConfigurator(new HttpsConfigurator(server));
        origin.createContext("/cat.png", x -> {
            hits.incrementAndGet();
            x.sendResponseHeaders(200, PNG.length);
            try (OutputStream out = x.getResponseBody()) {
                out.write(PNG);
            }
        });
        origin.start();
        int port = origin.getAddress().getPort();
        fetcher = new UrlFetcher(new FetchRules(List.of("localhost", "127.0.0.1")), 1 << 16, client.getSocketFactory());
        MemoryBudget budget = new MemoryBudget("max_queue_bytes", 1 << 20);

        byte[] image = fetcher.fetch(URI.create("https://localhost:" + port + "/cat.png"), Job.NO_DEADLINE,
                new Reservation(budget)).get(30, TimeUnit.SECONDS);
        assertThat(image).isEqualTo(PNG);
        assertThat(hits.get()).isEqualTo(1);

        assertThatThrownBy(() -> fetcher.fetch(URI.create("https://127.0.0.1:" + port + "/cat.png"), Job.NO_DEADLINE,
                new Reservation(budget)).get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOf(HttpError.class)
                .hasMessageContaining("failed").hasMessageContaining("SSL");
        assertThat(hits.get()).isEqualTo(1);
    }
}

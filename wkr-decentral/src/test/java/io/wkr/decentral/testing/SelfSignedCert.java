package io.wkr.decentral.testing;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A self-signed certificate for 127.0.0.1 made with the JDK's {@code keytool}, written as PEM
 * (certificate and PKCS#8 key) for {@code redis-server --tls-cert-file/--tls-key-file}.
 */
public record SelfSignedCert(Path cert, Path key) {

    public static SelfSignedCert create(Path dir) throws Exception {
        Files.createDirectories(dir);
        Path store = dir.resolve("tls.p12");
        char[] pass = "changeit".toCharArray();
        Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
        Process p = new ProcessBuilder(List.of(keytool.toString(), "-genkeypair", "-alias", "redis", "-keyalg", "RSA",
                "-keysize", "2048", "-validity", "2", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype", "PKCS12", "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit",
                "-noprompt")).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IllegalStateException("keytool failed: " + out);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, pass);
        }
        Certificate c = ks.getCertificate("redis");
        PrivateKey k = (PrivateKey) ks.getKey("redis", pass);
        Path cert = Files.writeString(dir.resolve("redis.crt"), pem("CERTIFICATE", c.getEncoded()));
        Path key = Files.writeString(dir.resolve("redis.key"), pem("PRIVATE KEY", k.getEncoded()));
        return new SelfSignedCert(cert, key);
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(der) + "\n-----END " + type + "-----\n";
    }
}

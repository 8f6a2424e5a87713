package io.wkr.protocol;

import io.wkr.protocol.internal.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Map;

/**
 * The secret a remote {@code TERMINATION} must carry. Generated at start, written to a file only
 * the server's user can read ({@code rw-------}), deleted at stop. {@code wkr-serving-terminate}
 * reads it from there.
 */
public final class AdminToken {
    private final String token;
    private final Path file;

    private AdminToken(String token, Path file) {
        this.token = token;
        this.file = file;
    }

    /** The default token file for a server listening on {@code portIn}. */
    public static Path defaultFile(int portIn) {
        return Path.of(System.getProperty("user.home"), ".wkr", "run", "server-" + portIn + ".token");
    }

    /** Generates a token and writes it to {@code file} with owner-only permissions. */
    public static AdminToken create(Path file) {
        byte[] raw = new byte[24];
        new SecureRandom().nextBytes(raw);
        String token = HexFormat.of().formatHex(raw);
        try {
            Path dir = file.toAbsolutePath().getParent();
            if (dir != null) Files.createDirectories(dir);
            Files.deleteIfExists(file);
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException | FileAlreadyExistsException e) {
                Files.createFile(file);
            }
            Files.writeString(file, token + "\n", StandardCharsets.US_ASCII);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the admin token file " + file, e);
        }
        return new AdminToken(token, file);
    }

    /** Reads a token file written by {@link #create}. */
    public static String read(Path file) throws IOException {
        return Files.readString(file, StandardCharsets.US_ASCII).strip();
    }

    public String value() {
        return token;
    }

    public Path file() {
        return file;
    }

    /**
     * True when the info frame of a {@code TERMINATION} carries this token, either as {@code
     * {"token": "..."}} or as the bare token text. Compared in constant time.
     */
    public boolean matches(byte[] info) {
        String offered = new String(info, StandardCharsets.UTF_8).strip();
        if (offered.startsWith("{")) {
            try {
                Map<String, Object> m = Json.parseObject(info, Json.Limits.INFO);
                offered = String.valueOf(m.get("token"));
            } catch (IllegalArgumentException e) {
                return false;
            }
        }
        return matchesValue(offered);
    }

    /** True when {@code offered} (surrounding blanks ignored) is this token. Compared in constant time; null never matches. */
    public boolean matchesValue(String offered) {
        return offered != null
                && MessageDigest.isEqual(offered.strip().getBytes(StandardCharsets.UTF_8), token.getBytes(StandardCharsets.UTF_8));
    }

    public void delete() {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            // best effort: a stale token file is harmless, the next start overwrites it
        }
    }
}

package io.wkr.protocol;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Constants of the wire protocol: control words, markers, well-known info keys. See {@code
 * docs/protocol.md}.
 */
public final class Wire {
    /** Frame 2 of a request asking the server to shut down; needs the admin token in frame 3. */
    public static final byte[] TERMINATION = ascii("TERMINATION");
    /** Frame 2 of a status request. */
    public static final byte[] SHOW_CONFIG = ascii("SHOW_CONFIG");
    /** Frame 3 of an error reply; frame 2 then holds {@code "CODE: message"}. */
    public static final byte[] EXCEPTION = ascii("EXCEPTION");

    /**
     * Server version reported as {@code server_version} in {@code SHOW_CONFIG}: the original
     * Python client compares it to its own {@code 2.1.0} and refuses to start on a mismatch.
     * wkr's own version travels as {@code wkr_version}.
     */
    public static final String COMPAT_SERVER_VERSION = "2.1.0";

    /** wkr's own version. */
    public static final String WKR_VERSION = "0.1.0";

    /** Info key: the client's deadline for this request, in milliseconds from arrival. */
    public static final String INFO_TIMEOUT_MS = "timeout_ms";
    /** Info key of a {@code SHOW_CONFIG} request: {@code "json"} asks for a JSON reply. */
    public static final String INFO_FORMAT = "format";
    /** Info key of a {@code TERMINATION} request: the server's admin token. */
    public static final String INFO_TOKEN = "token";

    /** Info of an {@code obj} payload, and of a pickled status reply (Python reads both keys). */
    public static final byte[] PICKLE_INFO = ascii("{\"protocol\":-1,\"compress\":0}");

    private Wire() {}

    public static boolean is(byte[] frame, byte[] word) {
        return Arrays.equals(frame, word);
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    /** Most characters or bytes of what a peer sent that an error message or log line quotes. */
    public static final int PREVIEW_CHARS = 64;

    /**
     * A short printable form of a frame, for logs and error messages: at most its first {@value
     * #PREVIEW_CHARS} bytes (non-printable ones as {@code .}), then {@code ...(N bytes)}.
     */
    public static String preview(byte[] frame) {
        int n = Math.min(frame.length, PREVIEW_CHARS);
        StringBuilder b = new StringBuilder(n + 8);
        for (int i = 0; i < n; i++) {
            int c = frame[i] & 0xff;
            b.append(c >= 0x20 && c < 0x7f ? (char) c : '.');
        }
        if (frame.length > n) b.append("...(").append(frame.length).append(" bytes)");
        return b.toString();
    }

    /**
     * A short form of a text a peer sent, for logs and error messages: at most its first {@value
     * #PREVIEW_CHARS} characters (control characters as {@code .}), then {@code ...(N chars)}.
     */
    public static String preview(String text) {
        return preview(text, PREVIEW_CHARS);
    }

    /** As {@link #preview(String)}, with at most {@code maxChars} characters. */
    public static String preview(String text, int maxChars) {
        int n = Math.min(text.length(), maxChars);
        if (n > 0 && Character.isHighSurrogate(text.charAt(n - 1))) n--;
        StringBuilder b = new StringBuilder(n + 16);
        for (int i = 0; i < n; i++) {
            char c = text.charAt(i);
            b.append(Character.isISOControl(c) ? '.' : c);
        }
        if (text.length() > n) b.append("...(").append(text.length()).append(" chars)");
        return b.toString();
    }
}

package io.wkr.server.internal.http;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DecodeBudget;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * The inputs of the original proxy's routes that are not plain JSON or files: the {@code img_url}
 * of {@code /encode_img_url} (a JSON object or a form) and of the legacy form {@code /encode},
 * and the image check of {@code /v1/encode_img_bytes}. Stateless.
 */
final class LegacyInputs {
    private static final int MAX_URL = 8 * 1024;

    private LegacyInputs() {}

    /**
     * The {@code img_url} of a body: a JSON object's field, or a form field (urlencoded or
     * multipart). The original's optional {@code proxy} field is ignored.
     *
     * @throws BadRequestException when there is none
     */
    static String imgUrl(byte[] body, String type, Request request, DecodeBudget budget) {
        if (type.equals("application/x-www-form-urlencoded") || type.equals("multipart/form-data")) {
            return formField(body, type, request.getHeaders().get(HttpHeader.CONTENT_TYPE), "img_url", budget);
        }
        Object json = JsonInputs.fromJson(body, io.wkr.protocol.Protocol.OBJ, budget);
        if (json instanceof Map<?, ?> map && map.get("img_url") instanceof String url) return checked(url);
        throw new BadRequestException("send {\"img_url\": \"<an http or https URL>\"}");
    }

    /**
     * A text field of a form body.
     *
     * @throws BadRequestException when the form has no such field
     */
    static String formField(byte[] body, String type, String contentType, String name, DecodeBudget budget) {
        if (type.equals("multipart/form-data")) {
            return checked(new String(Multipart.file(body, contentType, name, false, budget), StandardCharsets.UTF_8));
        }
        String form = new String(body, StandardCharsets.ISO_8859_1);
        for (String pair : form.split("&")) {
            int eq = pair.indexOf('=');
            String key = eq < 0 ? pair : pair.substring(0, eq);
            try {
                if (URLDecoder.decode(key, StandardCharsets.UTF_8).equals(name)) {
                    return checked(eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
                }
            } catch (IllegalArgumentException e) {
                throw new BadRequestException("malformed form body: " + JsonInputs.quote(e.getMessage(), 100));
            }
        }
        throw new BadRequestException("the form has no field '" + name + "'");
    }

    private static String checked(String url) {
        if (url.isBlank()) throw new BadRequestException("img_url is empty");
        if (url.length() > MAX_URL) throw new BadRequestException("img_url is longer than " + MAX_URL + " characters");
        return url;
    }

    /** Whether bytes start like a JPEG or a PNG file (what the original's /v1 route accepted). */
    static boolean isJpegOrPng(byte[] bytes) {
        String type = ResultJson.sniff(bytes);
        return type.equals("image/jpeg") || type.equals("image/png");
    }
}

package io.wkr.server.internal.http;

import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.ErrorCode;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.batching.Deadlines;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.MemoryBudget;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;

/**
 * {@code POST /encode} (a JSON body; a form's {@code img_url} where form bodies are allowed),
 * {@code POST /encode/file} (a raw body, or a multipart form where form bodies are allowed), and
 * the original proxy's {@code /encode_json}, {@code /encode_img_bytes}, {@code
 * /v1/encode_img_bytes} (field {@code img_bytes}) and {@code /encode_img_url} (the image fetched
 * by {@link UrlFetcher}). Everything that can be refused without the body is refused
 * before a byte of it is read, cheaply: a form content type (415), a declared length over {@code
 * -max_request_bytes} (413), a bad {@code timeout_ms} (400), a full queue or memory budget (429
 * with {@code Retry-After}), draining (503). Then the body is read without blocking ({@link
 * BodyReader}) into memory reserved as it arrives, decoded with bounded memory ({@link
 * JsonInputs}), and the request is queued holding what it took (body plus decoded input) through
 * the same {@link Admission} as ZeroMQ requests. Its answer is written by a reply thread ({@link
 * HttpCompletion}).
 */
final class EncodeRoute {
    private static final byte[] HTTP_IDENTITY = "http".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_PAYLOAD = new byte[0];
    /** Content types a web page can send to any origin without a CORS preflight. */
    private static final Set<String> FORM_TYPES = Set.of("text/plain", "application/x-www-form-urlencoded", "multipart/form-data");
    /** A timeout: a non-negative decimal number or Infinity (no hex, no type suffixes, no NaN). */
    private static final Pattern TIMEOUT = Pattern.compile("\\+?(\\d+(\\.\\d*)?|\\.\\d+)([eE][+-]?\\d+)?|\\+?Infinity");

    private final ServerConfig config;
    private final Admission admission;
    private final Executor replies;
    private final MemoryBudget replyMemory;
    private final AtomicLong requestIds = new AtomicLong();
    private final UrlFetcher fetcher;

    /**
     * @param replyMemory the reply budget ({@code -max_reply_bytes}): a result and its JSON hold
     *     their bytes there until they are written, as ZeroMQ replies do until they are sent
     * @param fetcher fetches the images of {@code /encode_img_url}
     */
    EncodeRoute(ServerConfig config, Admission admission, Executor replies, MemoryBudget replyMemory, UrlFetcher fetcher) {
        this.fetcher = fetcher;
        this.config = config;
        this.admission = admission;
        this.replies = replies;
        this.replyMemory = replyMemory;
    }

    /**
     * Handles one data request. Errors found before the body is read are thrown ({@link
     * HttpError}, {@link io.wkr.protocol.WKRException}) for the caller to answer; later ones are
     * answered through the exchange.
     */
    void handle(Exchange x, Route route) {
        Request request = x.request;
        String type = mediaType(request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        if (FORM_TYPES.contains(type) && !config.httpAllowFormBodies()) {
            throw new HttpError(415, ErrorCode.BAD_REQUEST, "Content-Type " + type + " is refused on data routes (any web "
                    + "page can send it without a CORS preflight): send " + (fileRoute(route) ? "the file as the raw body "
                    + "(application/octet-stream)" : "application/json") + ", or start the server with -http_allow_form_bodies");
        }
        if (route == Route.ENCODE_IMG_URL && (fetcher == null || !fetcher.rules().enabled())) {
            throw new HttpError(403, ErrorCode.UNAUTHORIZED, "this server does not fetch URLs: start it with "
                    + "-http_fetch_hosts HOSTS (the hosts it may fetch from) to enable " + Route.ENCODE_IMG_URL.path()
                    + ", or send the image itself to /encode_img_bytes");
        }
        read(x, (body, reservation, deadline) -> admit(x, route, type, body, reservation, deadline));
    }

    /** Decodes a body that has been read into a worker input, charging what it allocates to {@code reservation}. */
    interface Decoder {
        Object input(byte[] body, Reservation reservation);
    }

    /**
     * Handles a data request of another protocol ({@link OipRoutes}): the same refusals before the
     * body, the same body reading, the same queue; {@code decoder} makes the worker input.
     */
    void receive(Exchange x, Decoder decoder) {
        String type = mediaType(x.request.getHeaders().get(HttpHeader.CONTENT_TYPE));
        if (FORM_TYPES.contains(type) && !config.httpAllowFormBodies()) {
            throw new HttpError(415, ErrorCode.BAD_REQUEST, "Content-Type " + type + " is refused on data routes (any web "
                    + "page can send it without a CORS preflight): send application/json or application/octet-stream");
        }
        read(x, (body, reservation, deadline) -> {
            try {
                reservation.bodyRead(body.length);
                queue(x, decoder.input(body, reservation), reservation, deadline);
            } catch (RuntimeException e) {
                reservation.release();
                x.fail(e);
            }
        });
    }

    private interface BodyDone {
        void body(byte[] body, Reservation reservation, long deadline);
    }

    /** The refusals that need no body (413, a bad timeout, 429, 503), then the body, read without blocking. */
    private void read(Exchange x, BodyDone done) {
        Request request = x.request;
        long declared = request.getLength();
        if (declared > config.maxRequestBytes()) {
            throw new HttpError(413, ErrorCode.BAD_REQUEST, "the body of " + declared
                    + " bytes is larger than the server's limit of " + config.maxRequestBytes() + " bytes");
        }
        long deadline = Deadlines.of(timeoutMillis(request), config.requestTimeout(), x.arrivalNanos);
        Admission.Refusal refusal = admission.refusal(Math.max(0, declared));
        if (refusal != null) throw refusal.code().toException(refusal.message());

        // Past the body, the request waits for a model as long as it takes (its deadline is the limit):
        // an idle connection then is no failure (Jetty 12.1 agrees; this keeps it so). While the body is
        // read, the idle timeout ends it (408).
        request.addIdleTimeoutListener(timeout -> false);
        Reservation reservation = new Reservation(admission.memory());
        new BodyReader(request, declared, config.maxRequestBytes(), reservation, new BodyReader.Listener() {
            @Override
            public void body(byte[] body) {
                done.body(body, reservation, deadline);
            }

            @Override
            public void failed(Throwable failure) {
                reservation.release();
                x.fail(failure);
            }
        }).start();
    }

    private static boolean fileRoute(Route route) {
        return route == Route.ENCODE_FILE || route == Route.ENCODE_IMG_BYTES || route == Route.V1_ENCODE_IMG_BYTES;
    }

    /** Decodes the body and queues the request; runs on the Jetty thread that read the body's end. */
    private void admit(Exchange x, Route route, String type, byte[] body, Reservation reservation, long deadline) {
        try {
            reservation.bodyRead(body.length);
            if (route == Route.ENCODE_IMG_URL) {
                URI uri = fetcher.rules().check(LegacyInputs.imgUrl(body, type, x.request, reservation));
                fetcher.fetch(uri, deadline, reservation).whenComplete((bytes, failure) -> {
                    if (failure != null) {
                        reservation.release();
                        x.fail(failure instanceof java.util.concurrent.CompletionException c && c.getCause() != null
                                ? c.getCause() : failure);
                    } else {
                        queue(x, JsonInputs.fromFile(bytes, config.protocol()), reservation, deadline);
                    }
                });
                return;
            }
            queue(x, input(x, route, type, body, reservation), reservation, deadline);
        } catch (RuntimeException e) {
            reservation.release();
            x.fail(e);
        }
    }

    /** The worker input a body stands for on a route. */
    private Object input(Exchange x, Route route, String type, byte[] body, Reservation reservation) {
        String contentType = x.request.getHeaders().get(HttpHeader.CONTENT_TYPE);
        switch (route) {
            case ENCODE_FILE -> {
                byte[] bytes = type.equals("multipart/form-data") ? Multipart.file(body, contentType, "file", true, reservation)
                        : body;
                if (bytes.length == 0) throw new BadRequestException("the file is empty: send its bytes");
                return JsonInputs.fromFile(bytes, config.protocol());
            }
            case ENCODE_IMG_BYTES, V1_ENCODE_IMG_BYTES -> {
                byte[] bytes = type.equals("multipart/form-data")
                        ? Multipart.file(body, contentType, "img_bytes", false, reservation) : body;
                if (bytes.length == 0) throw new BadRequestException("the file is empty: send its bytes");
                if (route == Route.V1_ENCODE_IMG_BYTES && !LegacyInputs.isJpegOrPng(bytes)) {
                    throw new BadRequestException("Wrong input file type, only accept jpg or png image");
                }
                return JsonInputs.fromFile(bytes, config.protocol());
            }
            case ENCODE -> {
                if (type.equals("application/x-www-form-urlencoded") || type.equals("multipart/form-data")) {
                    // the original's legacy /encode: a form's img_url, passed on as the URL string
                    String url = LegacyInputs.formField(body, type, contentType, "img_url", reservation);
                    if (config.protocol() != io.wkr.protocol.Protocol.OBJ) {
                        throw new BadRequestException("a form's img_url is a string input: only obj servers take it");
                    }
                    return url;
                }
                return JsonInputs.fromJson(body, config.protocol(), reservation);
            }
            default -> {
                return JsonInputs.fromJson(body, config.protocol(), reservation);
            }
        }
    }

    /** Queues a decoded request, holding what its body and input took; a failure is answered. */
    private void queue(Exchange x, Object input, Reservation reservation, long deadline) {
        Job job;
        try {
            byte[] id = Long.toString(requestIds.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
            job = new Job(HTTP_IDENTITY, id, NO_PAYLOAD, Map.of(), input, reservation.held(),
                    new HttpCompletion(x, replies, replyMemory), x.arrivalNanos, deadline);
        } catch (RuntimeException e) {
            reservation.release();
            x.fail(e);
            return;
        }
        job.adopt(admission.memory()); // the job holds what the body and its decoding took
        reservation.handOver();
        admission.admit(job);
    }

    /** The media type of a Content-Type header, lower case, without parameters ("" for none). */
    static String mediaType(String contentType) {
        if (contentType == null) return "";
        int semi = contentType.indexOf(';');
        return (semi < 0 ? contentType : contentType.substring(0, semi)).strip().toLowerCase(Locale.ROOT);
    }

    /** The client's timeout: {@code ?timeout_ms=} or {@code X-Timeout-Ms}, 0 for none; refuses a malformed one. */
    static double timeoutMillis(Request request) {
        String v;
        try {
            v = Request.extractQueryParameters(request).getValue("timeout_ms");
        } catch (RuntimeException e) {
            throw new BadRequestException("the query string is malformed: " + JsonInputs.quote(e.getMessage(), 100));
        }
        if (v == null) v = request.getHeaders().get("X-Timeout-Ms");
        if (v == null) return 0;
        String s = v.strip();
        if (!TIMEOUT.matcher(s).matches()) {
            throw new BadRequestException("timeout_ms must be a number of milliseconds >= 0 (or Infinity), got '"
                    + JsonInputs.quote(v, JsonInputs.QUOTE) + "'");
        }
        return Double.parseDouble(s);
    }
}

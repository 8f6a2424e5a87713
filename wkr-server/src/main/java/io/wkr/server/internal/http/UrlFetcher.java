package io.wkr.server.internal.http;

import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.OverloadedException;
import io.wkr.server.internal.batching.Job;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

/**
 * Fetches the image of {@code POST /encode_img_url} under {@link FetchRules}, on a small bounded
 * pool of threads ({@code wkr-http-fetch-N}; when it and its queue are full, a fetch is refused
 * with 429) so no Jetty thread ever waits for another server. Each host name is resolved once, its
 * addresses checked, and the connection made to a checked address (a DNS answer that changes in
 * between cannot point the fetch elsewhere); TLS still verifies the certificate against the host
 * name. Redirects are followed up to {@link #MAX_REDIRECTS} times, each hop checked as the first.
 * The body is counted as it arrives, whatever {@code Content-Length} says, up to {@code
 * -max_request_bytes}, and held in the request's {@link Reservation}. The whole fetch must end
 * within its time limit and the request's deadline: a watchdog closes the connection when it does
 * not.
 */
final class UrlFetcher implements AutoCloseable {
    /** System property: the longest a fetch may take in ms, redirects included (default 10 000). */
    static final String TIMEOUT_PROPERTY = "wkr.http.fetch_timeout_ms";
    static final int MAX_REDIRECTS = 5;
    private static final int THREADS = 4;
    private static final int QUEUE = 64;

    private final FetchRules rules;
    private final SSLSocketFactory tlsFactory;
    private final int maxBytes;
    private final long timeoutNanos;
    private final ThreadPoolExecutor pool;
    /** Ends fetches at their deadline: one thread, tasks removed when cancelled. */
    private final ScheduledThreadPoolExecutor watchdog;
    private final Set<Fetch> active = ConcurrentHashMap.newKeySet();

    UrlFetcher(FetchRules rules, int maxBytes) {
        this(rules, maxBytes, (SSLSocketFactory) SSLSocketFactory.getDefault());
    }

    /** @param tls how {@code https} connections are made (tests pass one that trusts their own certificate) */
    UrlFetcher(FetchRules rules, int maxBytes, SSLSocketFactory tls) {
        this.tlsFactory = tls;
        this.rules = rules;
        this.maxBytes = maxBytes;
        this.timeoutNanos = TimeUnit.MILLISECONDS.toNanos(Long.getLong(TIMEOUT_PROPERTY, 10_000));
        AtomicInteger n = new AtomicInteger();
        this.pool = new ThreadPoolExecutor(THREADS, THREADS, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(QUEUE), r -> {
            Thread t = new Thread(r, "wkr-http-fetch-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        pool.allowCoreThreadTimeOut(true);
        this.watchdog = new ScheduledThreadPoolExecutor(1, r -> {
            Thread t = new Thread(r, "wkr-http-fetch-watchdog");
            t.setDaemon(true);
            return t;
        });
        watchdog.setRemoveOnCancelPolicy(true);
        watchdog.setKeepAliveTime(30, TimeUnit.SECONDS);
        watchdog.allowCoreThreadTimeOut(true);
    }

    FetchRules rules() {
        return rules;
    }

    /**
     * Fetches a checked URL ({@link FetchRules#check}); the future fails with an {@link HttpError}
     * (403 a refused host or address, 413 too large, 502 the other server failed, 504 too slow) or
     * what the reservation throws.
     *
     * @param deadlineNanos the request's deadline ({@link System#nanoTime()}), or {@link Job#NO_DEADLINE}
     * @throws OverloadedException when too many fetches are running or waiting
     */
    CompletableFuture<byte[]> fetch(URI uri, long deadlineNanos, Reservation reservation) {
        long limit = System.nanoTime() + timeoutNanos;
        boolean sooner = deadlineNanos != Job.NO_DEADLINE && deadlineNanos - limit < 0;
        Fetch fetch = new Fetch(uri, sooner ? deadlineNanos : limit, reservation);
        try {
            pool.execute(fetch);
        } catch (RejectedExecutionException e) {
            throw new OverloadedException("too many URL fetches are running (" + THREADS + ") or waiting (" + QUEUE
                    + "); retry later");
        }
        long wait = Math.max(0, fetch.deadline - System.nanoTime());
        try {
            ScheduledFuture<?> alarm = watchdog.schedule(fetch::expire, wait, TimeUnit.NANOSECONDS);
            fetch.result.whenComplete((bytes, failure) -> alarm.cancel(false));
        } catch (RejectedExecutionException e) {
            fetch.end(new HttpError(503, ErrorCode.SHUTTING_DOWN, "the server is stopping"));
        }
        return fetch.result;
    }

    /** Ends every fetch still running (503) and stops the threads. */
    @Override
    public void close() {
        for (Runnable queued : pool.shutdownNow()) {
            if (queued instanceof Fetch f) f.end(new HttpError(503, ErrorCode.SHUTTING_DOWN, "the server is stopping"));
        }
        watchdog.shutdownNow();
        for (Fetch f : active) f.end(new HttpError(503, ErrorCode.SHUTTING_DOWN, "the server is stopping"));
    }

    /** One fetch, run on a fetch thread; {@link #expire} may end it from the watchdog. */
    private final class Fetch implements Runnable {
        final CompletableFuture<byte[]> result = new CompletableFuture<>();
        final long deadline;
        private final URI first;
        private final Reservation reservation;
        private volatile Socket socket;
        private byte[] buffer = new byte[0];

        Fetch(URI first, long deadline, Reservation reservation) {
            this.first = first;
            this.deadline = deadline;
            this.reservation = reservation;
        }

        @Override
        public void run() {
            // On failure the route gives the whole reservation back, buffer included.
            active.add(this);
            if (result.isDone()) {
                active.remove(this);
                return;
            }
            try {
                result.complete(follow());
            } catch (HttpError | OverloadedException e) {
                result.completeExceptionally(e);
            } catch (IOException | RuntimeException e) { // an Error propagates; the watchdog answers the request
                // the socket's read timeout is the time left (rounded to whole ms, so it can fire a
                // hair before the deadline): it is the fetch limit too, not the other server failing
                boolean late = expired() || e instanceof java.net.SocketTimeoutException;
                result.completeExceptionally(late ? timeout() : bad(first, "could not be read: " + e));
            } finally {
                active.remove(this);
                closeSocket();
            }
        }

        void expire() {
            end(timeout());
        }

        /** Fails the fetch now, from any thread, and closes its connection. */
        void end(HttpError error) {
            if (result.completeExceptionally(error)) closeSocket();
        }

        private boolean expired() {
            return System.nanoTime() - deadline >= 0;
        }

        private HttpError timeout() {
            return new HttpError(504, ErrorCode.TIMEOUT, "fetching " + JsonInputs.quote(first.toString(), 200)
                    + " did not finish in time (" + TimeUnit.NANOSECONDS.toMillis(timeoutNanos) + " ms at most, and the "
                    + "request's deadline)");
        }

        private void closeSocket() {
            Socket s = socket;
            if (s != null) {
                try {
                    s.close();
                } catch (IOException ignored) {
                    // closing only
                }
            }
        }

        private byte[] follow() throws IOException {
            URI uri = first;
            for (int hop = 0; ; hop++) {
                Answer a = get(uri);
                closeSocket();
                if (a.status >= 300 && a.status < 400 && a.status != 304) {
                    if (a.location == null) throw bad(uri, "answered " + a.status + " without a Location");
                    if (hop == MAX_REDIRECTS) throw bad(uri, "redirected more than " + MAX_REDIRECTS + " times");
                    uri = rules.check(uri.resolve(a.location.strip()).toString()); // each hop checked as the first
                    continue;
                }
                if (a.status < 200 || a.status >= 300) throw bad(uri, "answered HTTP " + a.status);
                return a.body;
            }
        }

        private HttpError bad(URI uri, String what) {
            return new HttpError(502, ErrorCode.BAD_REQUEST, "fetching " + JsonInputs.quote(uri.toString(), 200) + " failed: "
                    + "the server " + what);
        }

        /** One GET, to a checked address of the URI's host. */
        private Answer get(URI uri) throws IOException {
            String host = FetchRules.host(uri);
            InetAddress[] addresses;
            try {
                addresses = InetAddress.getAllByName(host);
            } catch (UnknownHostException e) {
                throw bad(uri, "name could not be resolved");
            }
            rules.checkAddresses(host, addresses);
            boolean tls = uri.getScheme().equalsIgnoreCase("https");
            int port = uri.getPort() >= 0 ? uri.getPort() : tls ? 443 : 80;
            Socket s = connect(uri, addresses, port);
            if (tls) s = tls(s, host, port);
            socket = s;
            String target = (uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath())
                    + (uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery());
            String hostHeader = (host.contains(":") ? "[" + host + "]" : host) + (uri.getPort() >= 0 ? ":" + port : "");
            OutputStream out = s.getOutputStream();
            out.write(("GET " + target + " HTTP/1.1\r\nHost: " + hostHeader + "\r\nUser-Agent: wkr\r\nAccept: */*\r\n"
                    + "Accept-Encoding: identity\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return read(uri, new java.io.BufferedInputStream(s.getInputStream()));
        }

        private Socket connect(URI uri, InetAddress[] addresses, int port) throws IOException {
            IOException last = null;
            for (InetAddress a : addresses) {
                Socket s = new Socket();
                socket = s;
                if (result.isDone()) { // ended by the watchdog or close() meanwhile
                    s.close();
                    throw new IOException("the fetch was ended");
                }
                try {
                    s.connect(new InetSocketAddress(a, port), remainingMillis());
                    return s;
                } catch (IOException e) {
                    s.close();
                    if (expired() || result.isDone()) throw e;
                    last = e;
                }
            }
            throw bad(uri, "could not be reached: " + last);
        }

        private Socket tls(Socket plain, String host, int port) throws IOException {
            SSLSocket s = (SSLSocket) tlsFactory.createSocket(plain, host, port, true);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            if (!host.contains(":") && !Character.isDigit(host.charAt(host.length() - 1))) {
                p.setServerNames(List.of(new SNIHostName(host)));
            }
            s.setSSLParameters(p);
            s.setSoTimeout(remainingMillis());
            s.startHandshake();
            return s;
        }

        private int remainingMillis() {
            long ms = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
            if (ms <= 0) throw timeout();
            return (int) Math.min(Integer.MAX_VALUE, ms);
        }

        private Answer read(URI uri, InputStream in) throws IOException {
            AnswerHead head = AnswerHead.read(new Limited(in), uri);
            if (head.status() < 200 || head.status() >= 300) return new Answer(head.status(), head.location(), null);
            if (head.length() > maxBytes) throw tooLarge(head.length() + " bytes");
            InputStream body = head.chunked() ? new ChunkedBody(new Limited(in), uri) : new Limited(in);
            long left = head.length() >= 0 ? head.length() : Long.MAX_VALUE;
            int length = 0;
            byte[] chunk = new byte[16 * 1024];
            while (left > 0) {
                int n = body.read(chunk, 0, (int) Math.min(chunk.length, left));
                if (n < 0) {
                    if (head.length() >= 0) throw bad(uri, "closed the connection before the end of the body");
                    break;
                }
                if ((long) length + n > maxBytes) throw tooLarge("more than " + maxBytes + " bytes");
                if (length + n > buffer.length) grow(length + n);
                System.arraycopy(chunk, 0, buffer, length, n);
                length += n;
                left -= n;
            }
            if (length == 0) throw bad(uri, "sent an empty body");
            if (length == buffer.length) return new Answer(head.status(), null, buffer);
            byte[] exact = java.util.Arrays.copyOf(buffer, length);
            reservation.take(length);
            reservation.give(buffer.length);
            buffer = exact;
            return new Answer(head.status(), null, exact);
        }

        private void grow(int needed) {
            long capacity = Math.min(maxBytes, Math.max(needed, Math.max(16 * 1024, 2L * buffer.length)));
            reservation.take(capacity);
            byte[] next = java.util.Arrays.copyOf(buffer, (int) capacity);
            reservation.give(buffer.length);
            buffer = next;
        }

        private HttpError tooLarge(String size) {
            return new HttpError(413, ErrorCode.BAD_REQUEST, "the image at " + JsonInputs.quote(first.toString(), 200)
                    + " is larger than the server's limit of " + maxBytes + " bytes (-max_request_bytes): " + size);
        }

        /** A stream whose every read first checks the deadline and waits at most until it. */
        private final class Limited extends InputStream {
            private final InputStream in;

            Limited(InputStream in) {
                this.in = in;
            }

            @Override
            public int read() throws IOException {
                socket.setSoTimeout(remainingMillis());
                return in.read();
            }

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                socket.setSoTimeout(remainingMillis());
                return in.read(b, off, len);
            }
        }
    }

    private record Answer(int status, String location, byte[] body) {}
}

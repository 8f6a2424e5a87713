package io.wkr.client.bench;

import io.wkr.client.ClientConfig;
import io.wkr.client.ConcurrentWKRClient;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.WKRException;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A running wkr server, called through the real {@link ConcurrentWKRClient} (numpy protocol):
 * every reply must equal the request's tensor (an echo worker), unless checking is off.
 */
final class WkrTarget implements Target {
    private final ConcurrentWKRClient client;
    private final Payload payload;
    private final boolean check;

    WkrTarget(String host, int portIn, int portOut, int connections, Duration timeout, Payload payload, boolean check) {
        this.client = new ConcurrentWKRClient(ClientConfig.builder(host, portIn, portOut).protocol(Protocol.NUMPY)
                .timeout(timeout).build(), connections);
        this.payload = payload;
        this.check = check;
    }

    @Override
    public String name() {
        return "wkr";
    }

    ConcurrentWKRClient client() {
        return client;
    }

    /** Sends one request and reports its reply to {@code sink} when it comes. */
    void call(long seq, long sentNanos, java.util.function.Consumer<Reply> sink) {
        client.encodeAsync(payload.tensor()).whenComplete((value, failure) -> {
            if (failure == null) {
                sink.accept(new Reply(seq, sentNanos, !check || payload.tensor().equals(value), null));
            } else {
                Throwable e = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
                sink.accept(new Reply(seq, sentNanos, false, e instanceof WKRException w ? w.code() : ErrorCode.INTERNAL));
            }
        });
    }

    /**
     * With one request in flight the virtual client calls {@link ConcurrentWKRClient#encode} and
     * waits, as a one-at-a-time caller does; with more it pipelines through {@code encodeAsync}.
     */
    @Override
    public Conn connect(int index, int inFlight) {
        if (inFlight > 1) return connect(index);
        return new Conn() {
            private long seq = -1;
            private long sentNanos;

            @Override
            public void send(long seq, long sentNanos) {
                this.seq = seq;
                this.sentNanos = sentNanos;
            }

            @Override
            public Reply receive(long timeoutNanos) {
                if (seq < 0) return null;
                long s = seq;
                seq = -1;
                try {
                    Object value = client.encode(payload.tensor());
                    return new Reply(s, sentNanos, !check || payload.tensor().equals(value), null);
                } catch (WKRException e) {
                    return new Reply(s, sentNanos, false, e.code());
                } catch (RuntimeException e) {
                    return new Reply(s, sentNanos, false, ErrorCode.INTERNAL);
                }
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public Conn connect(int index) {
        BlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
        return new Conn() {
            @Override
            public void send(long seq, long sentNanos) {
                call(seq, sentNanos, replies::add);
            }

            @Override
            public Reply receive(long timeoutNanos) throws InterruptedException {
                return replies.poll(timeoutNanos, TimeUnit.NANOSECONDS);
            }

            @Override
            public void close() {}
        };
    }

    @Override
    public void close() {
        client.close();
    }
}

package io.wkr.client.bench;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.StreamObserver;
import io.javalin.Javalin;
import java.nio.ByteBuffer;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import io.wkr.protocol.DType;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.oip.GRPCInferenceServiceGrpc;
import io.wkr.protocol.oip.ModelInferRequest;
import io.wkr.protocol.oip.ModelInferResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The Open Inference Protocol targets: {@code oip-http} ({@code POST /v2/models/{m}/infer} with
 * the binary tensor extension, as {@code perf_analyzer} sends it) and {@code oip-grpc} ({@code
 * ModelInfer} with {@code raw_input_contents}), each against a wkr server, and their physical
 * limits in the same run: {@code echo-http}, a bare Javalin (Jetty) server in this process that
 * sends each body back, and {@code echo-grpc}, a bare grpc-java server in this process whose {@code
 * ModelInfer} returns the inputs as outputs. The wkr server must echo (an {@code EchoWorker}) for
 * replies to be checked; every reply's raw bytes are compared with what was sent.
 */
final class OipTargets {
    private OipTargets() {}

    /** The OIP datatype of a payload's dtype. */
    static String datatype(DType dtype) {
        return switch (dtype) {
            case FLOAT16 -> "FP16";
            case FLOAT32 -> "FP32";
            case FLOAT64 -> "FP64";
            default -> dtype.name().toUpperCase(Locale.ROOT);
        };
    }

    /** How one call ended: an error code, or a reply that matched the request or did not. */
    private record Outcome(boolean matched, ErrorCode error) {
        static final Outcome MATCHED = new Outcome(true, null);
        static final Outcome MISMATCHED = new Outcome(false, null);

        static Outcome of(ErrorCode error) {
            return new Outcome(false, error);
        }
    }

    /** The wkr error of an HTTP status. */
    static ErrorCode ofStatus(int status) {
        return switch (status) {
            case 400, 404, 413 -> ErrorCode.BAD_REQUEST;
            case 401 -> ErrorCode.UNAUTHORIZED;
            case 429 -> ErrorCode.OVERLOADED;
            case 503 -> ErrorCode.SHUTTING_DOWN;
            case 504 -> ErrorCode.TIMEOUT;
            case 500 -> ErrorCode.WORKER_FAILED;
            default -> ErrorCode.INTERNAL;
        };
    }

    /** The wkr error of a gRPC status. */
    static ErrorCode ofStatus(io.grpc.Status.Code code) {
        return switch (code) {
            case INVALID_ARGUMENT, NOT_FOUND -> ErrorCode.BAD_REQUEST;
            case UNAUTHENTICATED -> ErrorCode.UNAUTHORIZED;
            case RESOURCE_EXHAUSTED -> ErrorCode.OVERLOADED;
            case UNAVAILABLE -> ErrorCode.SHUTTING_DOWN;
            case DEADLINE_EXCEEDED -> ErrorCode.TIMEOUT;
            default -> ErrorCode.WORKER_FAILED;
        };
    }

    /** One virtual client calling one request at a time, synchronously, in {@link Conn#receive}. */
    private abstract static class SyncConn implements Target.Conn {
        private long seq = -1;
        private long sentNanos;

        @Override
        public void send(long seq, long sentNanos) {
            if (this.seq >= 0) throw new IllegalStateException("the OIP targets keep one request in flight per client (-k 1)");
            this.seq = seq;
            this.sentNanos = sentNanos;
        }

        @Override
        public Target.Reply receive(long timeoutNanos) {
            if (seq < 0) return null;
            long s = seq;
            seq = -1;
            Outcome o = call();
            return new Target.Reply(s, sentNanos, o.matched(), o.error());
        }

        abstract Outcome call();

        @Override
        public void close() {}
    }

    /** {@code oip-http} and {@code echo-http}. */
    static final class Http implements Target {
        private final String name;
        private final URI uri;
        private final HttpClient client;
        private final byte[] body;
        private final int headerLength;
        private final byte[] raw;
        private final boolean check;
        private final Duration timeout;
        private final Javalin echo;

        /** Against a server at {@code host:port} serving {@code model}. */
        Http(String host, int port, String model, Payload payload, boolean check, Duration timeout) {
            this("oip-http", host, port, model, payload, check, timeout, null);
        }

        private Http(String name, String host, int port, String model, Payload payload, boolean check, Duration timeout,
                Javalin echo) {
            this.name = name;
            this.echo = echo;
            this.uri = URI.create("http://" + host + ":" + port + "/v2/models/" + model + "/infer");
            this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
            this.raw = payload.tensor().bytes();
            byte[] header = ("{\"inputs\":[{\"name\":\"INPUT0\",\"datatype\":\"" + datatype(payload.tensor().dtype())
                    + "\",\"shape\":" + Arrays.toString(payload.tensor().shape()) + ",\"parameters\":{\"binary_data_size\":"
                    + raw.length + "}}],\"parameters\":{\"binary_data_output\":true}}").getBytes(StandardCharsets.UTF_8);
            this.headerLength = header.length;
            this.body = Arrays.copyOf(header, header.length + raw.length);
            System.arraycopy(raw, 0, body, header.length, raw.length);
            this.check = check;
            this.timeout = timeout;
        }

        /**
         * {@code echo-http}: a bare Javalin server on a free loopback port that answers each body with
         * itself, from a Jetty handler in front of Javalin's servlet, as wkr's own data routes are
         * served (a Javalin route goes through the servlet layer and is slower than wkr's routes).
         */
        static Http echo(Payload payload, Duration timeout) {
            Javalin app = Javalin.create(cfg -> {
                cfg.startup.showJavalinBanner = false;
                cfg.jetty.modifyServer(server -> server.insertHandler(new Handler.Wrapper() {
                    @Override
                    public boolean handle(Request request, Response response, Callback callback) throws Exception {
                        if (!request.getMethod().equals("POST")) return super.handle(request, response, callback);
                        ByteBuffer read = Content.Source.asByteBuffer(request);
                        // a copy: the buffer read may be the request's own, which Jetty reuses once the request ends
                        ByteBuffer body = ByteBuffer.allocate(read.remaining()).put(read).flip();
                        String n = request.getHeaders().get("Inference-Header-Content-Length");
                        if (n != null) response.getHeaders().put("Inference-Header-Content-Length", n);
                        response.getHeaders().put("Content-Type", "application/octet-stream");
                        response.write(true, body, callback);
                        return true;
                    }
                }));
            });
            app.start("127.0.0.1", 0);
            return new Http("echo-http", "127.0.0.1", app.port(), "echo", payload, true, timeout, app);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Conn connect(int index) {
            HttpRequest request = HttpRequest.newBuilder(uri).timeout(timeout)
                    .header("Content-Type", "application/octet-stream")
                    .header("Inference-Header-Content-Length", Integer.toString(headerLength))
                    .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            return new SyncConn() {
                @Override
                Outcome call() {
                    try {
                        HttpResponse<byte[]> r = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        if (r.statusCode() != 200) return Outcome.of(ofStatus(r.statusCode()));
                        if (!check) return Outcome.MATCHED;
                        int n = Integer.parseInt(r.headers().firstValue("Inference-Header-Content-Length").orElse("-1"));
                        byte[] b = r.body();
                        boolean same = n >= 0 && b.length - n == raw.length && Arrays.equals(b, n, b.length, raw, 0, raw.length);
                        return same ? Outcome.MATCHED : Outcome.MISMATCHED;
                    } catch (java.net.http.HttpTimeoutException e) {
                        return Outcome.of(ErrorCode.TIMEOUT);
                    } catch (IOException | RuntimeException e) {
                        return Outcome.of(ErrorCode.INTERNAL);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return Outcome.of(ErrorCode.INTERNAL);
                    }
                }
            };
        }

        @Override
        public void close() {
            if (echo != null) echo.stop();
        }
    }

    /** {@code oip-grpc} and {@code echo-grpc}. */
    static final class Grpc implements Target {
        private final String name;
        private final ManagedChannel channel;
        private final ModelInferRequest request;
        private final ByteString raw;
        private final boolean check;
        private final Duration timeout;
        private final Server echo;

        Grpc(String host, int port, String model, Payload payload, boolean check, Duration timeout) {
            this("oip-grpc", host, port, model, payload, check, timeout, null);
        }

        private Grpc(String name, String host, int port, String model, Payload payload, boolean check, Duration timeout,
                Server echo) {
            this.name = name;
            this.echo = echo;
            this.channel = NettyChannelBuilder.forAddress(host, port).usePlaintext().maxInboundMessageSize(Integer.MAX_VALUE).build();
            this.raw = ByteString.copyFrom(payload.tensor().bytes());
            ModelInferRequest.InferInputTensor.Builder input = ModelInferRequest.InferInputTensor.newBuilder()
                    .setName("INPUT0").setDatatype(datatype(payload.tensor().dtype()));
            for (int d : payload.tensor().shape()) input.addShape(d);
            this.request = ModelInferRequest.newBuilder().setModelName(model).addInputs(input).addRawInputContents(raw).build();
            this.check = check;
            this.timeout = timeout;
        }

        /** {@code echo-grpc}: a bare grpc-java server on a free loopback port whose ModelInfer returns its inputs. */
        static Grpc echo(Payload payload, Duration timeout) {
            Server server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).directExecutor()
                    .maxInboundMessageSize(Integer.MAX_VALUE)
                    .addService(new GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase() {
                        @Override
                        public void modelInfer(ModelInferRequest r, StreamObserver<ModelInferResponse> out) {
                            ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(r.getModelName())
                                    .setModelVersion("1").setId(r.getId()).addAllRawOutputContents(r.getRawInputContentsList());
                            for (ModelInferRequest.InferInputTensor t : r.getInputsList()) {
                                b.addOutputsBuilder().setName("OUTPUT0").setDatatype(t.getDatatype()).addAllShape(t.getShapeList());
                            }
                            out.onNext(b.build());
                            out.onCompleted();
                        }
                    }).build();
            try {
                server.start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new Grpc("echo-grpc", "127.0.0.1", server.getPort(), "echo", payload, true, timeout, server);
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public Conn connect(int index) {
            GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub stub = GRPCInferenceServiceGrpc.newBlockingStub(channel);
            return new SyncConn() {
                @Override
                Outcome call() {
                    try {
                        ModelInferResponse r = stub.withDeadlineAfter(timeout.toNanos(), TimeUnit.NANOSECONDS).modelInfer(request);
                        boolean same = r.getRawOutputContentsCount() == 1 && r.getRawOutputContents(0).equals(raw);
                        return !check || same ? Outcome.MATCHED : Outcome.MISMATCHED;
                    } catch (StatusRuntimeException e) {
                        return Outcome.of(ofStatus(e.getStatus().getCode()));
                    }
                }
            };
        }

        @Override
        public void close() {
            channel.shutdownNow();
            if (echo != null) echo.shutdownNow();
        }
    }
}

package io.wkr.server.internal.grpc;

import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.wkr.protocol.oip.GRPCInferenceServiceGrpc;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.ReplyPool;
import io.wkr.server.internal.oip.OipModel;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.status.ServerSnapshot;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gRPC face of the Open Inference Protocol on {@code -grpc_port}: grpc-java on Netty (the
 * shaded build, so it brings no Netty of its own to the class path). Calls are handled on the
 * transport's threads (decoding and queueing never block); answers are built and sent by a small
 * reply pool, so a worker never serialises a response. Messages larger than {@code
 * -max_request_bytes} are refused by gRPC itself ({@code RESOURCE_EXHAUSTED}). With {@code
 * -http_token_file} every call but {@code ServerLive} needs the metadata {@code authorization:
 * Bearer <token>} ({@code UNAUTHENTICATED} without it).
 */
public final class GrpcFrontend implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(GrpcFrontend.class);
    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final ServerConfig config;
    private final ThreadPoolExecutor replies;
    private final Server server;

    public GrpcFrontend(ServerConfig config, Admission admission, ServerStats stats, Supplier<ServerSnapshot> status,
            BooleanSupplier ready, OipModel model) {
        this.config = config;
        this.replies = replyExecutor(config);
        InferenceService service = new InferenceService(config, admission, stats, status, ready, model, replies);
        InetSocketAddress address = "*".equals(config.bindHost()) ? new InetSocketAddress(config.grpcPort())
                : new InetSocketAddress(config.bindHost(), config.grpcPort());
        this.server = NettyServerBuilder.forAddress(address)
                .directExecutor()
                .maxInboundMessageSize(config.maxRequestBytes())
                .addService(ServerInterceptors.intercept(service, new TokenCheck(config.httpToken())))
                .build();
    }

    private static ThreadPoolExecutor replyExecutor(ServerConfig config) {
        return ReplyPool.create(config.maxQueueSize() + config.numWorker() * config.batchSize(), "wkr-grpc-reply-");
    }

    /** Starts listening; returns the bound port. */
    public int start() {
        try {
            server.start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        logger.info("gRPC (Open Inference Protocol) on port {}{}", server.getPort(),
                config.httpToken() != null ? ", bearer token required" : "");
        return server.getPort();
    }

    /** Stops taking calls, lets running ones end for up to two seconds, then cuts the rest. */
    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(2, TimeUnit.SECONDS)) server.shutdownNow().awaitTermination(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        replies.shutdown();
    }

    /** The bearer token on every call but {@code ServerLive} (a liveness probe), as over HTTP. */
    private static final class TokenCheck implements ServerInterceptor {
        private final byte[] token;

        TokenCheck(String token) {
            this.token = token == null ? null : token.getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
            if (token != null && !call.getMethodDescriptor().getFullMethodName().equals(
                    GRPCInferenceServiceGrpc.getServerLiveMethod().getFullMethodName())) {
                String header = headers.get(AUTHORIZATION);
                String offered = header != null && header.regionMatches(true, 0, "Bearer ", 0, 7) ? header.substring(7).strip() : null;
                if (offered == null || !MessageDigest.isEqual(offered.getBytes(StandardCharsets.UTF_8), token)) {
                    call.close(Status.UNAUTHENTICATED.withDescription("this call needs the metadata 'authorization: Bearer <token>'"),
                            new Metadata());
                    return new ServerCall.Listener<>() {};
                }
            }
            return next.startCall(call, headers);
        }
    }
}

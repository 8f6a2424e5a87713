package io.wkr.server.internal.grpc;

import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.WKRException;
import io.wkr.protocol.oip.GRPCInferenceServiceGrpc;
import io.wkr.protocol.oip.ModelInferRequest;
import io.wkr.protocol.oip.ModelInferResponse;
import io.wkr.protocol.oip.ModelMetadataRequest;
import io.wkr.protocol.oip.ModelMetadataResponse;
import io.wkr.protocol.oip.ModelReadyRequest;
import io.wkr.protocol.oip.ModelReadyResponse;
import io.wkr.protocol.oip.ServerLiveRequest;
import io.wkr.protocol.oip.ServerLiveResponse;
import io.wkr.protocol.oip.ServerMetadataRequest;
import io.wkr.protocol.oip.ServerMetadataResponse;
import io.wkr.protocol.oip.ServerReadyRequest;
import io.wkr.protocol.oip.ServerReadyResponse;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.config.TensorSpec;
import io.wkr.server.internal.batching.Admission;
import io.wkr.server.internal.batching.Completion;
import io.wkr.server.internal.batching.Deadlines;
import io.wkr.server.internal.batching.Job;
import io.wkr.server.internal.oip.OipModel;
import io.wkr.server.internal.oip.OipTensors;
import io.wkr.server.internal.stats.ServerStats;
import io.wkr.server.status.ServerSnapshot;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * {@code inference.GRPCInferenceService}. {@code ModelInfer} is refused before it is decoded when
 * the server is draining ({@code UNAVAILABLE}), its queue or memory budget is full ({@code
 * RESOURCE_EXHAUSTED}) or its deadline has passed ({@code DEADLINE_EXCEEDED}); an unknown model
 * or version is {@code NOT_FOUND}; bad tensors are {@code INVALID_ARGUMENT} naming the field.
 * The call's gRPC deadline becomes the request's wkr deadline (bounded by {@code
 * -request_timeout}), and a call its client cancels is taken out of the queue. Each call is
 * counted once in the server's statistics, as received and as answered.
 */
final class InferenceService extends GRPCInferenceServiceGrpc.GRPCInferenceServiceImplBase {
    private static final byte[] GRPC_IDENTITY = "grpc".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NO_PAYLOAD = new byte[0];

    private final ServerConfig config;
    private final Admission admission;
    private final ServerStats stats;
    private final Supplier<ServerSnapshot> status;
    private final BooleanSupplier ready;
    private final OipModel model;
    private final Executor replies;
    private final AtomicLong requestIds = new AtomicLong();

    InferenceService(ServerConfig config, Admission admission, ServerStats stats, Supplier<ServerSnapshot> status,
            BooleanSupplier ready, OipModel model, Executor replies) {
        this.config = config;
        this.admission = admission;
        this.stats = stats;
        this.status = status;
        this.ready = ready;
        this.model = model;
        this.replies = replies;
    }

    /** The gRPC status of a wkr error code, as the Open Inference Protocol maps HTTP statuses. */
    static Status status(ErrorCode code) {
        return switch (code) {
            case BAD_REQUEST -> Status.INVALID_ARGUMENT;
            case OVERLOADED -> Status.RESOURCE_EXHAUSTED;
            case TIMEOUT -> Status.DEADLINE_EXCEEDED;
            case SHUTTING_DOWN -> Status.UNAVAILABLE;
            case UNAUTHORIZED -> Status.UNAUTHENTICATED;
            case WORKER_FAILED, INTERNAL -> Status.INTERNAL;
        };
    }

    private boolean ready() {
        return ready.getAsBoolean() && !admission.draining();
    }

    @Override
    public void serverLive(ServerLiveRequest request, StreamObserver<ServerLiveResponse> out) {
        out.onNext(ServerLiveResponse.newBuilder().setLive(true).build());
        out.onCompleted();
    }

    @Override
    public void serverReady(ServerReadyRequest request, StreamObserver<ServerReadyResponse> out) {
        out.onNext(ServerReadyResponse.newBuilder().setReady(ready()).build());
        out.onCompleted();
    }

    @Override
    public void modelReady(ModelReadyRequest request, StreamObserver<ModelReadyResponse> out) {
        Status unknown = unknownModel(request.getName(), request.getVersion());
        if (unknown != null) {
            out.onError(unknown.asRuntimeException());
            return;
        }
        out.onNext(ModelReadyResponse.newBuilder().setReady(ready()).build());
        out.onCompleted();
    }

    @Override
    public void serverMetadata(ServerMetadataRequest request, StreamObserver<ServerMetadataResponse> out) {
        out.onNext(ServerMetadataResponse.newBuilder().setName("wkr").setVersion(status.get().server().serverVersion()).build());
        out.onCompleted();
    }

    @Override
    public void modelMetadata(ModelMetadataRequest request, StreamObserver<ModelMetadataResponse> out) {
        Status unknown = unknownModel(request.getName(), request.getVersion());
        if (unknown != null) {
            out.onError(unknown.asRuntimeException());
            return;
        }
        ModelMetadataResponse.Builder m = ModelMetadataResponse.newBuilder().setName(model.name())
                .addVersions(OipModel.VERSION).setPlatform(OipModel.PLATFORM);
        for (TensorSpec t : model.signature().inputs()) m.addInputs(metadata(t));
        for (TensorSpec t : model.signature().outputs()) m.addOutputs(metadata(t));
        out.onNext(m.build());
        out.onCompleted();
    }

    private static ModelMetadataResponse.TensorMetadata metadata(TensorSpec t) {
        return ModelMetadataResponse.TensorMetadata.newBuilder().setName(t.name()).setDatatype(t.datatype())
                .addAllShape(t.shape()).build();
    }

    /** NOT_FOUND for a model or version this server does not serve, else null. */
    private Status unknownModel(String name, String version) {
        if (!name.equals(model.name())) {
            return Status.NOT_FOUND.withDescription("unknown model '" + OipTensors.quote(name, OipTensors.QUOTE)
                    + "': this server serves '" + model.name() + "'");
        }
        if (!version.isEmpty() && !version.equals(OipModel.VERSION)) {
            return Status.NOT_FOUND.withDescription("model '" + model.name() + "' has no version '"
                    + OipTensors.quote(version, OipTensors.QUOTE) + "': it has version " + OipModel.VERSION);
        }
        return null;
    }

    @Override
    public void modelInfer(ModelInferRequest request, StreamObserver<ModelInferResponse> out) {
        long arrival = System.nanoTime();
        stats.received();
        Call call = new Call((ServerCallStreamObserver<ModelInferResponse>) out, arrival, request.getId(),
                request.getRawInputContentsCount() > 0);
        Status unknown = unknownModel(request.getModelName(), request.getModelVersion());
        if (unknown != null) {
            call.fail(ErrorCode.BAD_REQUEST, unknown);
            return;
        }
        Deadline callDeadline = Context.current().getDeadline();
        double clientMillis = 0;
        if (callDeadline != null) {
            long left = callDeadline.timeRemaining(TimeUnit.NANOSECONDS);
            if (left <= 0) {
                call.fail(ErrorCode.TIMEOUT, Status.DEADLINE_EXCEEDED.withDescription("the call's deadline passed before it was queued"));
                return;
            }
            clientMillis = left / 1e6;
        }
        long bytes = request.getSerializedSize();
        Admission.Refusal refusal = admission.refusal(bytes);
        if (refusal != null) {
            call.fail(refusal.code(), status(refusal.code()).withDescription(refusal.message()));
            return;
        }
        Object input;
        List<String> requested = new ArrayList<>();
        long deadline;
        try {
            for (int i = 0; i < request.getOutputsCount(); i++) {
                String name = request.getOutputs(i).getName();
                model.checkRequested(name, "outputs[" + i + "].name");
                requested.add(name);
            }
            List<OipModel.Input> inputs = GrpcTensors.inputs(request);
            if (inputs.isEmpty()) {
                throw new io.wkr.protocol.BadRequestException("inputs is empty: this model's inputs are "
                        + model.signature().inputs().stream().map(TensorSpec::name).toList());
            }
            for (OipModel.Input in : inputs) if (in.tensor() != null) bytes += in.tensor().bytes().length;
            input = model.workerInput(inputs);
            deadline = Deadlines.of(clientMillis, config.requestTimeout(), arrival);
        } catch (WKRException e) {
            call.fail(e.code(), status(e.code()).withDescription(e.getMessage()));
            return;
        } catch (RuntimeException e) {
            call.fail(ErrorCode.BAD_REQUEST, Status.INVALID_ARGUMENT.withDescription(String.valueOf(e.getMessage())));
            return;
        }
        call.requested = requested;
        byte[] id = Long.toString(requestIds.incrementAndGet()).getBytes(StandardCharsets.US_ASCII);
        Job job = new Job(GRPC_IDENTITY, id, NO_PAYLOAD, Map.of(), input, bytes, call, arrival, deadline);
        call.out.setOnCancelHandler(() -> job.fail(ErrorCode.TIMEOUT, "the caller cancelled the call, or its deadline passed"));
        admission.admit(job);
    }

    /** Results up to this size are answered on the thread that completes them, larger ones on the reply pool. */
    private static final int INLINE_BYTES = 64 * 1024;

    private static boolean small(Object output) {
        return output instanceof io.wkr.protocol.Tensor t && (long) t.size() * t.dtype().byteSize() <= INLINE_BYTES
                || output instanceof byte[] b && b.length <= INLINE_BYTES
                || output instanceof String str && str.length() <= INLINE_BYTES / 4
                || output instanceof Number || output instanceof Boolean;
    }

    /**
     * One {@code ModelInfer} call: answered once, whichever of the worker, the deadline sweep,
     * admission or a cancellation comes first. A small result is answered on the thread that
     * completes it (a worker: building a response of a few kilobytes costs less than handing it
     * over), a larger one and every error on the reply pool.
     */
    private final class Call implements Completion {
        final ServerCallStreamObserver<ModelInferResponse> out;
        private final long arrival;
        private final String id;
        private final boolean raw;
        private final AtomicBoolean answered = new AtomicBoolean();
        volatile List<String> requested = List.of();

        Call(ServerCallStreamObserver<ModelInferResponse> out, long arrival, String id, boolean raw) {
            this.out = out;
            this.arrival = arrival;
            this.id = id;
            this.raw = raw;
        }

        @Override
        public void succeeded(Job job, Object output) {
            if (small(output)) {
                answer(output); // cheaper than a hand-off: a small response is built and queued for the transport here
                return;
            }
            try {
                replies.execute(() -> answer(output));
            } catch (RejectedExecutionException e) {
                fail(ErrorCode.OVERLOADED, Status.RESOURCE_EXHAUSTED.withDescription(
                        "too many gRPC replies are waiting to be sent; the result was dropped; retry later"));
            }
        }

        private void answer(Object output) {
            ModelInferResponse response;
            try {
                ModelInferResponse.Builder b = ModelInferResponse.newBuilder().setModelName(model.name())
                        .setModelVersion(OipModel.VERSION).setId(id);
                GrpcTensors.outputs(model.outputs(output, requested), raw, b);
                response = b.build();
            } catch (RuntimeException e) {
                fail(ErrorCode.INTERNAL, Status.INTERNAL.withDescription("the worker's result is not a tensor this "
                        + "protocol can carry: " + e.getMessage()));
                return;
            }
            if (!answered.compareAndSet(false, true)) return;
            stats.completed(arrival, null);
            send(response);
        }

        @Override
        public void failed(Job job, ErrorCode code, String message) {
            fail(code, status(code).withDescription(message));
        }

        void fail(ErrorCode code, Status status) {
            if (!answered.compareAndSet(false, true)) return;
            stats.completed(arrival, code);
            try {
                replies.execute(() -> error(status));
            } catch (RejectedExecutionException e) {
                error(status);
            }
        }

        private void send(ModelInferResponse response) {
            synchronized (this) {
                if (out.isCancelled()) return;
                try {
                    out.onNext(response);
                    out.onCompleted();
                } catch (RuntimeException e) {
                    // the call was cancelled meanwhile: nobody is listening
                }
            }
        }

        private void error(Status status) {
            synchronized (this) {
                if (out.isCancelled()) return;
                try {
                    out.onError(status.asRuntimeException());
                } catch (RuntimeException e) {
                    // the call was cancelled meanwhile
                }
            }
        }
    }
}

package io.wkr.server.internal.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.protobuf.ByteString;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.Protocol;
import io.wkr.protocol.oip.GRPCInferenceServiceGrpc;
import io.wkr.protocol.oip.GRPCInferenceServiceGrpc.GRPCInferenceServiceBlockingStub;
import io.wkr.protocol.oip.InferTensorContents;
import io.wkr.protocol.oip.ModelInferRequest;
import io.wkr.protocol.oip.ModelInferRequest.InferInputTensor;
import io.wkr.protocol.oip.ModelInferResponse;
import io.wkr.protocol.oip.ModelMetadataRequest;
import io.wkr.protocol.oip.ModelMetadataResponse;
import io.wkr.protocol.oip.ModelReadyRequest;
import io.wkr.protocol.oip.ServerLiveRequest;
import io.wkr.protocol.oip.ServerMetadataRequest;
import io.wkr.protocol.oip.ServerReadyRequest;
import io.wkr.server.WKRHardWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.ScriptedWorker;
import io.wkr.server.testing.TwoTensorWorker;
import io.wkr.server.testing.TestServers;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code inference.GRPCInferenceService} on a real server with gRPC on an ephemeral port, called
 * by a grpc-java client generated from the repository's {@code .proto}: every RPC, typed and raw
 * tensors in every datatype, a worker's declared signature, and each error status the spec maps
 * (NOT_FOUND, INVALID_ARGUMENT naming the field, RESOURCE_EXHAUSTED for an oversized message and a
 * full queue, DEADLINE_EXCEEDED, UNAVAILABLE while draining, UNAUTHENTICATED without the token).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class GrpcInferenceTest {
    private final ScriptedWorker.Controls controls = new ScriptedWorker.Controls();
    @TempDir Path dir;
    private WKRServer server;
    private ManagedChannel channel;
    private GRPCInferenceServiceBlockingStub stub;

    private void start(ServerConfig.Builder b) {
        start(b, () -> new ScriptedWorker(controls));
    }

    private void start(ServerConfig.Builder b, Supplier<? extends WKRHardWorker<?, ?, ?>> worker) {
        server = TestServers.start(b.grpcPort(0).httpPort(0).build(), worker);
        channel = NettyChannelBuilder.forAddress("127.0.0.1", server.grpcPort()).usePlaintext().build();
        stub = GRPCInferenceServiceGrpc.newBlockingStub(channel).withDeadlineAfter(20, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() throws Exception {
        controls.release();
        if (channel != null) channel.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
        if (server != null) server.close();
    }

    private static InferInputTensor.Builder input(String name, String datatype, long... shape) {
        InferInputTensor.Builder t = InferInputTensor.newBuilder().setName(name).setDatatype(datatype);
        for (long d : shape) t.addShape(d);
        return t;
    }

    private static ModelInferRequest.Builder infer(String model, InferInputTensor.Builder... inputs) {
        ModelInferRequest.Builder r = ModelInferRequest.newBuilder().setModelName(model);
        for (InferInputTensor.Builder in : inputs) r.addInputs(in);
        return r;
    }

    private static Status.Code code(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode();
        }
        throw new AssertionError("the call succeeded");
    }

    private static String description(Runnable call) {
        try {
            call.run();
        } catch (StatusRuntimeException e) {
            return e.getStatus().getCode() + ": " + e.getStatus().getDescription();
        }
        throw new AssertionError("the call succeeded");
    }

    @Test
    void everyRpcAnswersWithTheOneModel() {
        start(TestServers.config(dir).protocol(Protocol.NUMPY).modelName("iris"));
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isTrue();
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").build()).getReady()).isTrue();
        assertThat(stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").setVersion("1").build()).getReady()).isTrue();
        assertThat(stub.serverMetadata(ServerMetadataRequest.getDefaultInstance()).getName()).isEqualTo("wkr");
        ModelMetadataResponse meta = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("iris").build());
        assertThat(meta.getName()).isEqualTo("iris");
        assertThat(meta.getVersionsList()).containsExactly("1");
        assertThat(meta.getInputs(0).getName()).isEqualTo("INPUT0");
        assertThat(meta.getInputs(0).getDatatype()).isEqualTo("FP32");
        assertThat(meta.getInputs(0).getShapeList()).containsExactly(-1L);
        assertThat(meta.getOutputs(0).getName()).isEqualTo("OUTPUT0");

        ModelInferResponse typed = stub.modelInfer(infer("iris", input("INPUT0", "FP32", 2, 2)
                .setContents(InferTensorContents.newBuilder().addAllFp32Contents(List.of(1f, -2f, 3.5f, 0f)))).setId("q1").build());
        assertThat(typed.getId()).isEqualTo("q1");
        assertThat(typed.getModelName()).isEqualTo("iris");
        assertThat(typed.getOutputs(0).getName()).isEqualTo("OUTPUT0");
        assertThat(typed.getOutputs(0).getShapeList()).containsExactly(2L, 2L);
        assertThat(typed.getOutputs(0).getContents().getFp32ContentsList()).containsExactly(1f, -2f, 3.5f, 0f);
        assertThat(typed.getRawOutputContentsCount()).isZero();

        byte[] raw = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putFloat(1f).putFloat(2f).putFloat(3f).array();
        ModelInferResponse rawAnswer = stub.modelInfer(infer("iris", input("INPUT0", "FP32", 3))
                .addRawInputContents(ByteString.copyFrom(raw)).build());
        assertThat(rawAnswer.getOutputs(0).hasContents()).isFalse();
        assertThat(rawAnswer.getRawOutputContents(0).toByteArray()).isEqualTo(raw);

        for (String bad : List.of("nope", "")) {
            assertThat(code(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName(bad).build()))).isEqualTo(Status.Code.NOT_FOUND);
            assertThat(code(() -> stub.modelMetadata(ModelMetadataRequest.newBuilder().setName(bad).build())))
                    .isEqualTo(Status.Code.NOT_FOUND);
        }
        assertThat(description(() -> stub.modelInfer(infer("nope", input("INPUT0", "FP32", 1)
                .setContents(InferTensorContents.newBuilder().addFp32Contents(1f))).build())))
                .startsWith("NOT_FOUND").contains("'nope'", "'iris'");
        assertThat(code(() -> stub.modelReady(ModelReadyRequest.newBuilder().setName("iris").setVersion("7").build())))
                .isEqualTo(Status.Code.NOT_FOUND);
        // three inferences: two answered, one refused; each counted once
        assertThat(server.snapshot().requests().received()).isEqualTo(3);
        assertThat(server.snapshot().requests().succeeded()).isEqualTo(2);
        assertThat(server.snapshot().requests().failed()).isEqualTo(1);
    }

    @Test
    void everyDatatypeTravelsTypedAndRaw() {
        start(TestServers.config(dir).protocol(Protocol.NUMPY).modelName("m"));
        Map<String, InferTensorContents> typed = Map.of(
                "BOOL", InferTensorContents.newBuilder().addBoolContents(true).addBoolContents(false).build(),
                "INT8", InferTensorContents.newBuilder().addIntContents(-128).addIntContents(127).build(),
                "INT16", InferTensorContents.newBuilder().addIntContents(-32768).addIntContents(32767).build(),
                "INT32", InferTensorContents.newBuilder().addIntContents(Integer.MIN_VALUE).addIntContents(7).build(),
                "INT64", InferTensorContents.newBuilder().addInt64Contents(Long.MIN_VALUE).addInt64Contents(8).build(),
                "UINT8", InferTensorContents.newBuilder().addUintContents(0).addUintContents(255).build(),
                "UINT16", InferTensorContents.newBuilder().addUintContents(1).addUintContents(65535).build(),
                "UINT32", InferTensorContents.newBuilder().addUintContents(-1).addUintContents(3).build(),
                "UINT64", InferTensorContents.newBuilder().addUint64Contents(-1L).addUint64Contents(4).build(),
                "FP64", InferTensorContents.newBuilder().addFp64Contents(0.1).addFp64Contents(-1e300).build());
        for (var e : typed.entrySet()) {
            ModelInferResponse r = stub.modelInfer(infer("m", input("INPUT0", e.getKey(), 2).setContents(e.getValue())).build());
            assertThat(r.getOutputs(0).getDatatype()).as(e.getKey()).isEqualTo(e.getKey());
            assertThat(r.getOutputs(0).getContents()).as(e.getKey()).isEqualTo(e.getValue());
        }
        byte[] half = {0x00, 0x3c, 0x00, (byte) 0xc0}; // 1.0, -2.0 in FP16
        ModelInferResponse fp16 = stub.modelInfer(infer("m", input("INPUT0", "FP16", 2)).addRawInputContents(ByteString.copyFrom(half)).build());
        assertThat(fp16.getOutputs(0).getDatatype()).isEqualTo("FP16");
        assertThat(fp16.getRawOutputContents(0).toByteArray()).isEqualTo(half);
        assertThat(description(() -> stub.modelInfer(infer("m", input("INPUT0", "FP16", 1)
                .setContents(InferTensorContents.newBuilder().addFp32Contents(1f))).build())))
                .startsWith("INVALID_ARGUMENT").contains("inputs[0].contents", "raw_input_contents");
    }

    @Test
    void bytesTensorsOnAnObjServer() {
        start(TestServers.config(dir).modelName("m"));
        ModelInferResponse typed = stub.modelInfer(infer("m", input("INPUT0", "BYTES", 2).setContents(InferTensorContents.newBuilder()
                .addBytesContents(ByteString.copyFromUtf8("héllo")).addBytesContents(ByteString.copyFromUtf8("")))).build());
        assertThat(typed.getOutputs(0).getDatatype()).isEqualTo("BYTES");
        assertThat(typed.getOutputs(0).getContents().getBytesContentsList())
                .containsExactly(ByteString.copyFromUtf8("héllo"), ByteString.EMPTY);
        byte[] raw = ByteBuffer.allocate(4 + 2 + 4 + 1).order(ByteOrder.LITTLE_ENDIAN)
                .putInt(2).put("ab".getBytes(StandardCharsets.UTF_8)).putInt(1).put((byte) 'c').array();
        ModelInferResponse rawAnswer = stub.modelInfer(infer("m", input("INPUT0", "BYTES", 2))
                .addRawInputContents(ByteString.copyFrom(raw)).build());
        assertThat(rawAnswer.getRawOutputContents(0).toByteArray()).isEqualTo(raw);
        // a numeric tensor on an obj server reaches the worker as {"name","datatype","shape","data"} and comes back
        ModelInferResponse ints = stub.modelInfer(infer("m", input("INPUT0", "INT32", 3)
                .setContents(InferTensorContents.newBuilder().addAllIntContents(List.of(1, 2, 3)))).build());
        assertThat(ints.getOutputs(0).getContents().getIntContentsList()).containsExactly(1, 2, 3);
        assertThat(controls.seen).anySatisfy(s -> assertThat(s).isEqualTo(Map.of("name", "INPUT0", "datatype", "INT32",
                "shape", List.of(3), "data", List.of(1, 2, 3))));
    }

    @Test
    void badTensorsAreInvalidArgumentNamingTheField() {
        start(TestServers.config(dir).protocol(Protocol.NUMPY).modelName("m").maxRequestBytes(4096));
        InferTensorContents one = InferTensorContents.newBuilder().addFp32Contents(1f).build();
        Map<ModelInferRequest, String> bad = new java.util.LinkedHashMap<>();
        bad.put(infer("m", input("INPUT0", "FP33", 1).setContents(one)).build(), "inputs[0].datatype");
        bad.put(infer("m", input("INPUT0", "FP32", 3).setContents(one)).build(), "inputs[0].contents has 1 elements");
        bad.put(infer("m", input("INPUT0", "FP32", -1).setContents(one)).build(), "inputs[0].shape[0]");
        bad.put(infer("m", input("INPUT0", "FP32", 1).setContents(InferTensorContents.newBuilder().addInt64Contents(1))).build(),
                "inputs[0].contents.int64_contents");
        bad.put(infer("m", input("INPUT0", "UINT8", 1).setContents(InferTensorContents.newBuilder().addUintContents(256))).build(),
                "256 is out of range");
        bad.put(infer("m", input("INPUT0", "FP32", 1)).addRawInputContents(ByteString.copyFrom(new byte[3])).build(),
                "raw_input_contents[0] is 3 bytes");
        bad.put(infer("m", input("INPUT0", "FP32", 1), input("INPUT1", "FP32", 1))
                .addRawInputContents(ByteString.copyFrom(new byte[4])).build(), "raw_input_contents has 1 entries but inputs has 2");
        bad.put(infer("m", input("OTHER", "FP32", 1).setContents(one)).build(), "inputs[0].name 'OTHER'");
        bad.put(infer("m", input("INPUT0", "BYTES", 1).setContents(InferTensorContents.newBuilder()
                .addBytesContents(ByteString.copyFromUtf8("a")))).build(), "needs an obj server");
        bad.put(infer("m").build(), "inputs");
        bad.put(infer("m", input("INPUT0", "FP32", 1).setContents(one)).addOutputs(
                ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("NOPE")).build(), "outputs[0].name 'NOPE'");
        for (var e : bad.entrySet()) {
            assertThat(description(() -> stub.modelInfer(e.getKey()))).as(e.getValue())
                    .startsWith("INVALID_ARGUMENT").contains(e.getValue());
        }
        ModelInferRequest huge = infer("m", input("INPUT0", "FP32", 2000)).addRawInputContents(ByteString.copyFrom(new byte[8000])).build();
        assertThat(description(() -> stub.modelInfer(huge))).startsWith("RESOURCE_EXHAUSTED");
        // the oversized message never reached the service: every other call counted once, as a BAD_REQUEST
        assertThat(server.snapshot().requests().received()).isEqualTo(bad.size());
        assertThat(server.snapshot().requests().failed()).isEqualTo(bad.size());
        assertThat(stub.modelInfer(infer("m", input("INPUT0", "FP32", 1).setContents(one)).build()).getOutputsCount()).isEqualTo(1);
    }

    @Test
    void fullQueueIsResourceExhaustedAndACallsDeadlineBecomesItsOwn() throws Exception {
        start(TestServers.config(dir).modelName("m").numWorker(1).maxQueueSize(1));
        CompletableFuture<HttpResponse<String>> blocked = blockTheWorker();
        ModelInferRequest one = infer("m", input("INPUT0", "BYTES", 1).setContents(InferTensorContents.newBuilder()
                .addBytesContents(ByteString.copyFromUtf8("x")))).build();
        // waits in the queue until its 300 ms deadline: DEADLINE_EXCEEDED, and it leaves the queue
        assertThat(code(() -> stub.withDeadlineAfter(300, TimeUnit.MILLISECONDS).modelInfer(one))).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
        Await.until(() -> server.snapshot().queue().depth() == 0, Duration.ofSeconds(10), "the expired call leaves the queue");
        var late = GRPCInferenceServiceGrpc.newFutureStub(channel).modelInfer(one); // fills the queue
        Await.until(() -> server.snapshot().queue().depth() == 1, Duration.ofSeconds(10), "a full queue");
        assertThat(description(() -> stub.modelInfer(one))).startsWith("RESOURCE_EXHAUSTED").contains("queue full");
        controls.release();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        assertThat(late.get(10, TimeUnit.SECONDS).getOutputs(0).getContents().getBytesContents(0).toStringUtf8()).isEqualTo("x");
        // 1 HTTP + 3 gRPC calls: 2 results, one TIMEOUT, one OVERLOADED
        Await.until(() -> server.snapshot().requests().succeeded() == 2, Duration.ofSeconds(10), "two answers");
        Map<ErrorCode, Long> errors = new EnumMap<>(ErrorCode.class);
        server.snapshot().requests().errors().forEach((k, v) -> {
            if (v > 0) errors.put(k, v);
        });
        assertThat(errors).isEqualTo(Map.of(ErrorCode.TIMEOUT, 1L, ErrorCode.OVERLOADED, 1L));
        assertThat(server.snapshot().requests().received()).isEqualTo(4);
    }

    @Test
    void drainingIsUnavailable() throws Exception {
        start(TestServers.config(dir).modelName("m").numWorker(1));
        CompletableFuture<HttpResponse<String>> blocked = blockTheWorker();
        CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close);
        Await.until(() -> server.state() == WKRServer.State.DRAINING, Duration.ofSeconds(10), "draining");
        assertThat(stub.serverReady(ServerReadyRequest.getDefaultInstance()).getReady()).isFalse();
        assertThat(description(() -> stub.modelInfer(infer("m", input("INPUT0", "BYTES", 1).setContents(InferTensorContents
                .newBuilder().addBytesContents(ByteString.copyFromUtf8("x")))).build()))).startsWith("UNAVAILABLE");
        controls.release();
        assertThat(blocked.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        closing.get(20, TimeUnit.SECONDS);
    }

    @Test
    void theTokenIsNeededButNotForLiveness() {
        start(TestServers.config(dir).modelName("m").httpToken("s3cret"));
        assertThat(stub.serverLive(ServerLiveRequest.getDefaultInstance()).getLive()).isTrue();
        assertThat(description(() -> stub.serverReady(ServerReadyRequest.getDefaultInstance())))
                .startsWith("UNAUTHENTICATED").contains("authorization: Bearer");
        ModelInferRequest one = infer("m", input("INPUT0", "BYTES", 1).setContents(InferTensorContents.newBuilder()
                .addBytesContents(ByteString.copyFromUtf8("x")))).build();
        assertThat(code(() -> stub.modelInfer(one))).isEqualTo(Status.Code.UNAUTHENTICATED);
        Metadata wrong = new Metadata();
        wrong.put(GrpcFrontend.AUTHORIZATION, "Bearer nope");
        assertThat(code(() -> stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(wrong)).modelInfer(one)))
                .isEqualTo(Status.Code.UNAUTHENTICATED);
        Metadata right = new Metadata();
        right.put(GrpcFrontend.AUTHORIZATION, "Bearer s3cret");
        assertThat(stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(right)).modelInfer(one).getOutputsCount()).isEqualTo(1);
        assertThat(server.snapshot().requests().received()).isEqualTo(1); // refused calls never reach the service
    }

    @Test
    void aDeclaredSignatureIsShownAndEnforced() {
        start(TestServers.config(dir).modelName("two"), TwoTensorWorker::new);
        ModelMetadataResponse meta = stub.modelMetadata(ModelMetadataRequest.newBuilder().setName("two").build());
        assertThat(meta.getInputsList()).extracting(t -> t.getName() + ":" + t.getDatatype() + ":" + t.getShapeList())
                .containsExactly("TEXT:BYTES:[1]", "SCALE:FP32:[-1, 2]");
        assertThat(meta.getOutputsList()).extracting(t -> t.getName()).containsExactly("LENGTH", "SCALED");
        InferInputTensor.Builder text = input("TEXT", "BYTES", 1).setContents(InferTensorContents.newBuilder()
                .addBytesContents(ByteString.copyFromUtf8("hello")));
        InferInputTensor.Builder scale = input("SCALE", "FP32", 2, 2).setContents(InferTensorContents.newBuilder()
                .addAllFp32Contents(List.of(1f, 2f, 3f, 4f)));
        ModelInferResponse r = stub.modelInfer(infer("two", scale, text).build()); // any order
        assertThat(r.getOutputsList()).extracting(t -> t.getName()).containsExactly("LENGTH", "SCALED");
        assertThat(r.getOutputs(0).getContents().getInt64ContentsList()).containsExactly(5L);
        assertThat(r.getOutputs(1).getShapeList()).containsExactly(2L, 2L);
        assertThat(r.getOutputs(1).getContents().getFp32ContentsList()).containsExactly(2f, 4f, 6f, 8f);
        ModelInferResponse only = stub.modelInfer(infer("two", text, scale).addOutputs(
                ModelInferRequest.InferRequestedOutputTensor.newBuilder().setName("SCALED")).build());
        assertThat(only.getOutputsList()).extracting(t -> t.getName()).containsExactly("SCALED");
        assertThat(description(() -> stub.modelInfer(infer("two", text, input("SCALE", "FP64", 1, 2).setContents(
                InferTensorContents.newBuilder().addAllFp64Contents(List.of(1.0, 2.0)))).build())))
                .startsWith("INVALID_ARGUMENT").contains("inputs[1].datatype must be FP32");
        assertThat(description(() -> stub.modelInfer(infer("two", text, input("SCALE", "FP32", 2).setContents(
                InferTensorContents.newBuilder().addAllFp32Contents(List.of(1f, 2f)))).build())))
                .startsWith("INVALID_ARGUMENT").contains("inputs[1].shape [2] does not fit");
        assertThat(description(() -> stub.modelInfer(infer("two", text).build()))).contains("'inputs' must hold 2 tensors");
        assertThat(description(() -> stub.modelInfer(infer("two", text, text).build()))).contains("sent twice");
    }

    /** Sends "block" over HTTP and waits until the one worker holds it. */
    private CompletableFuture<HttpResponse<String>> blockTheWorker() throws InterruptedException {
        CompletableFuture<HttpResponse<String>> blocked = HttpClient.newHttpClient().sendAsync(HttpRequest.newBuilder(
                        URI.create("http://127.0.0.1:" + server.httpPort() + "/encode"))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("\"block\"")).build(),
                HttpResponse.BodyHandlers.ofString());
        controls.awaitBlocked();
        return blocked;
    }

    @Test
    void anUnknownSignatureOnANumpyServerStopsTheStart() {
        assertThatThrownBy(() -> TestServers.start(TestServers.config(dir).protocol(Protocol.NUMPY).grpcPort(0).build(), TwoTensorWorker::new))
                .hasStackTraceContaining("a numpy server's worker takes one numeric tensor");
    }
}

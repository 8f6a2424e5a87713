/**
 * The Open Inference Protocol over gRPC (only with {@code -grpc_port}): {@code
 * inference.GRPCInferenceService} on grpc-java, from the {@code .proto} in wkr-client. Inference
 * calls go through the same {@link io.wkr.server.internal.batching.Admission} and queue as ZeroMQ
 * and HTTP requests; the model and its signature are {@link io.wkr.server.internal.oip.OipModel},
 * shared with the REST routes.
 */
package io.wkr.server.internal.grpc;

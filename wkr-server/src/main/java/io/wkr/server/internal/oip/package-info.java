/**
 * The Open Inference Protocol's model, shared by its REST routes ({@code internal.http}) and its
 * gRPC service ({@code internal.grpc}): datatypes and tensor conversion ({@link
 * io.wkr.server.internal.oip.OipTensors}), and the served model with its signature, which checks a
 * request's tensors, makes the worker input and turns a result into output tensors ({@link
 * io.wkr.server.internal.oip.OipModel}).
 */
package io.wkr.server.internal.oip;

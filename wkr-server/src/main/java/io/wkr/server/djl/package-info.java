/**
 * Serving DJL models (PyTorch engine) with wkr: {@link io.wkr.server.djl.DjlTensorWorker} serves a
 * model that takes and returns tensors in a few lines, {@link io.wkr.server.djl.DjlWorker} is the
 * base for anything else that runs on a DJL device, {@link io.wkr.server.djl.NDArrays} converts
 * between wkr {@link io.wkr.protocol.Tensor}s and DJL {@code NDArray}s.
 *
 * <p>DJL is an optional dependency of {@code wkr-server}: a worker that uses this package brings
 * {@code ai.djl:api}, {@code ai.djl.pytorch:pytorch-engine}, {@code pytorch-jni} and a {@code
 * pytorch-native-*} jar on its own class path (see {@code docs/djl.md}). Nothing here downloads:
 * {@link io.wkr.server.djl.DjlEnvironment#offlineByDefault()} switches DJL's offline mode and usage
 * tracking off unless the user set them.
 */
package io.wkr.server.djl;

/**
 * The wkr wire format, shared by the server, the client and the decentral module: the 4-frame
 * {@link io.wkr.protocol.Envelope}, the two payload protocols ({@code numpy}, and {@code obj}:
 * Kryo for Java clients and, read without running anything, the original Python client's pickles),
 * the light {@link io.wkr.protocol.Tensor} type and the error model ({@link
 * io.wkr.protocol.ErrorCode}, {@link io.wkr.protocol.WKRException}). No threads, no sockets.
 */
package io.wkr.protocol;

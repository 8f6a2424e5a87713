/**
 * The server's configuration: {@link io.wkr.server.config.ServerConfig} and its builder, and what
 * a worker declares of its model for the standard inference protocols ({@link
 * io.wkr.server.config.ModelSignature}, {@link io.wkr.server.config.TensorSpec}). API.
 */
package io.wkr.server.config;

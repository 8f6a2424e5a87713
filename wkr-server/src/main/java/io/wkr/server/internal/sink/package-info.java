/**
 * The sink: the one thread that owns the PUB socket and publishes every reply.
 * Not API (see {@link io.wkr.server.internal}).
 */
package io.wkr.server.internal.sink;

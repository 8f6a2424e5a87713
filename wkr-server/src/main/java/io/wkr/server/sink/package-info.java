/** The sink: the one thread that owns the PUB socket and publishes every reply. */
package io.wkr.server.sink;

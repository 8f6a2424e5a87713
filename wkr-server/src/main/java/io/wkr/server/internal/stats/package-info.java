/**
 * Live statistics: lock-free counters and histograms written on the hot path, read as one
 * {@link io.wkr.server.status.ServerSnapshot} by whatever reports the server's state.
 * Not API (see {@link io.wkr.server.internal}).
 */
package io.wkr.server.internal.stats;

/**
 * Live statistics: lock-free counters and histograms written on the hot path, read as snapshots
 * by the status reply (and the HTTP routes).
 * Not API (see {@link io.wkr.server.internal}).
 */
package io.wkr.server.internal.stats;

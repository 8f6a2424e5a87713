/**
 * Live statistics: lock-free counters and histograms written on the hot path, read as snapshots
 * by the status reply (and the HTTP routes).
 */
package io.wkr.server.stats;

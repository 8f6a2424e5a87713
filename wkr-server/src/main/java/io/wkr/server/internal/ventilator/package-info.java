/**
 * The ventilator: the one thread that owns the frontend PULL socket. It checks every message,
 * answers control requests and admits data requests into the bounded job queue.
 * Not API (see {@link io.wkr.server.internal}).
 */
package io.wkr.server.internal.ventilator;

/**
 * The HTTP frontend (Javalin, only with {@code -http_port}): health and readiness, JSON status,
 * Prometheus metrics, an encode route for callers without a ZeroMQ client, and the dashboard.
 * It owns no ZeroMQ socket: it reads statistics and submits work through the same admission path
 * as ZeroMQ clients.
 */
package io.wkr.server.http;

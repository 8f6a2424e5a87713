/**
 * The HTTP frontend (Javalin on Jetty, only with {@code -http_port}): health and readiness, JSON
 * status, Prometheus metrics, encode routes for callers without a ZeroMQ client, and the
 * dashboard. It owns no ZeroMQ socket: it reads statistics and submits work through the same
 * admission path as ZeroMQ clients. A Jetty handler in front of Javalin ({@link
 * io.wkr.server.internal.http.HttpEdge}) checks Host, Origin, method and token for every request and runs
 * the encode routes without blocking a thread on a body or a model; their bodies are held in the
 * server's memory budget while they are read and decoded. The original proxy's routes answer in
 * its envelope ({@code LegacyStatus}, {@code LegacyInputs}); {@code /encode_img_url} fetches images
 * only from {@code -http_fetch_hosts} ({@code FetchRules}, {@code UrlFetcher}).
 * Not API (see {@link io.wkr.server.internal}).
 */
package io.wkr.server.internal.http;

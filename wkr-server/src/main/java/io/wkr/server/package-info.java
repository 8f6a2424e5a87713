/**
 * The wkr server: {@link io.wkr.server.WKRServer}, its {@link io.wkr.server.config.ServerConfig}, and the
 * worker SPI {@link io.wkr.server.WKRHardWorker} that users implement.
 */
package io.wkr.server;

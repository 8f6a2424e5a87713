/** The server's configuration: {@link io.wkr.server.config.ServerConfig} and its builder. API. */
package io.wkr.server.config;

/**
 * The Java client. {@link io.wkr.client.WKRClient} calls a server over one connection; {@link
 * io.wkr.client.ConcurrentWKRClient} spreads calls over several. Both are thread-safe; {@link
 * io.wkr.client.ClientConfig} holds their options.
 */
package io.wkr.client;

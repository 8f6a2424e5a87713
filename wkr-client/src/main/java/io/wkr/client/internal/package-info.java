/**
 * The client's connection core: the sockets, the pending requests, who reads replies and who
 * sends. {@link io.wkr.client.WKRClient} and {@link io.wkr.client.ConcurrentWKRClient} are the
 * public faces over it. Not API: may change without notice.
 */
package io.wkr.client.internal;

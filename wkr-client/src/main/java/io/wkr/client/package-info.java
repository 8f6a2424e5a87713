/**
 * The Java client: {@link io.wkr.client.WKRClient} for one thread, {@link
 * io.wkr.client.ConcurrentWKRClient} for many.
 */
package io.wkr.client;

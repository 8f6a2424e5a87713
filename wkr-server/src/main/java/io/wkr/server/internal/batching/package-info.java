/**
 * The bounded job queue between ventilator and workers, and the dynamic batching rule.
 * Not API (see {@link io.wkr.server.internal}).
 */
package io.wkr.server.internal.batching;

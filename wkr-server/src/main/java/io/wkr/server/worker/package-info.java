/**
 * Worker threads: each owns one {@link io.wkr.server.WKRHardWorker} instance and its model, takes
 * batches from the job queue and hands one reply per request to the sink.
 */
package io.wkr.server.worker;

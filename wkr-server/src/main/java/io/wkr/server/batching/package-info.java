/** The bounded job queue between ventilator and workers, and the dynamic batching rule. */
package io.wkr.server.batching;

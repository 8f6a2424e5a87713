/**
 * The Redis side of decentral mode: {@link io.wkr.decentral.redis.JobQueue} (submit jobs, ask
 * their status, wait for results), {@link io.wkr.decentral.redis.JobUnit} (the unit that runs
 * them on the servers, at least once, with retries, reclaiming and dead letters, on a Redis
 * Streams consumer group) and {@link io.wkr.decentral.redis.RedisHandler} (the original's plain
 * FIFO queue helper).
 */
package io.wkr.decentral.redis;

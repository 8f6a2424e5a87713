/**
 * {@code wkr-bench}: a load generator for wkr servers and, in the same tool, raw JeroMQ echo
 * baselines with the same payloads and concurrency, so every wkr figure can be quoted as a ratio
 * to the limit measured in the same run. See {@code docs/benchmarks.md}.
 */
package io.wkr.client.bench;

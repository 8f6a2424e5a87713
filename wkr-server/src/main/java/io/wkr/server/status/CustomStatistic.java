package io.wkr.server.status;

/**
 * The values a worker recorded under one key with {@code recordStatistic} (an entry of {@code
 * custom}). Values that are not finite make the mean, min, max or last not finite, which the
 * status documents write as null.
 *
 * @param count values recorded
 * @param mean their mean
 * @param min the smallest
 * @param max the largest
 * @param last the latest
 */
public record CustomStatistic(long count, double mean, double min, double max, double last) {}

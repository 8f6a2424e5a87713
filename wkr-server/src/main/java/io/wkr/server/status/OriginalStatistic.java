package io.wkr.server.status;

/**
 * The original wkr-serving's {@code statistic} keys that wkr keeps, for dashboards written against
 * it. See {@link ServerSnapshot#statistic()}.
 *
 * @param numDataRequest {@code requests.received}
 * @param numTotalSeq the same
 * @param numSysRequest {@code requests.control}
 * @param numTotalRequest their sum
 * @param numException {@code requests.failed}
 * @param numActiveClient {@code active_clients}
 */
public record OriginalStatistic(
        long numDataRequest,
        long numTotalSeq,
        long numSysRequest,
        long numTotalRequest,
        long numException,
        int numActiveClient) {}

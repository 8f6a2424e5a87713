package io.wkr.decentral.redis;

import java.util.Map;

/**
 * One delivery of a job to this unit.
 *
 * @param id the stream entry id (the job id)
 * @param fields the entry's fields, or {@code null} when the entry was deleted meanwhile
 * @param deliveries this delivery's number (1 = first)
 */
record Job(String id, Map<String, byte[]> fields, long deliveries) {}

package io.wkr.decentral.redis;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An entry of the dead-letter stream ({@code <stream>:dead}) as Redis keeps it: fields {@code
 * job}, the payload's {@code type}/{@code data}/{@code dtype}/{@code shape} as the job had them,
 * {@code error}, {@code deliveries}, {@code consumer}, {@code server}, {@code failed_ms}, in this
 * order, numbers as decimal text. Written by a unit ({@link Outcomes}), read by {@link
 * JobQueue#deadLetters}.
 *
 * @param job the job's id
 * @param payload the job's payload fields, as they were in its stream entry (empty if it had none)
 * @param failedMillis when it was moved here (epoch ms)
 */
record DeadLetterEntry(String job, Map<String, byte[]> payload, String error, long deliveries, String consumer,
        String server, long failedMillis) {
    private static final List<String> PAYLOAD = List.of(Payloads.TYPE, Payloads.DATA, Payloads.DTYPE, Payloads.SHAPE);
    private static final String JOB = "job";
    private static final String ERROR = "error";
    private static final String DELIVERIES = "deliveries";
    private static final String CONSUMER = "consumer";
    private static final String SERVER = "server";
    private static final String FAILED_MS = "failed_ms";

    DeadLetterEntry {
        Map<String, byte[]> p = new LinkedHashMap<>();
        if (payload != null) {
            for (String f : PAYLOAD) if (payload.get(f) != null) p.put(f, payload.get(f));
        }
        payload = p;
    }

    /** The stream entry's fields, in order. */
    Map<String, byte[]> fields() {
        Map<String, byte[]> m = new LinkedHashMap<>();
        m.put(JOB, Payloads.ascii(job));
        m.putAll(payload);
        m.put(ERROR, Payloads.ascii(error));
        m.put(DELIVERIES, Payloads.ascii(Long.toString(deliveries)));
        m.put(CONSUMER, Payloads.ascii(consumer));
        m.put(SERVER, Payloads.ascii(server));
        m.put(FAILED_MS, Payloads.ascii(Long.toString(failedMillis)));
        return m;
    }

    /** Reads a stream entry's fields; missing text is {@code null}, a missing or garbled number 0. */
    static DeadLetterEntry parse(Map<String, byte[]> f) {
        return new DeadLetterEntry(Payloads.text(f.get(JOB)), f, Payloads.text(f.get(ERROR)), number(f.get(DELIVERIES)),
                Payloads.text(f.get(CONSUMER)), Payloads.text(f.get(SERVER)), number(f.get(FAILED_MS)));
    }

    private static long number(byte[] b) {
        try {
            return b == null ? 0 : Long.parseLong(new String(b, StandardCharsets.US_ASCII));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}

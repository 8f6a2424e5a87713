package io.wkr.decentral.redis;

import io.wkr.decentral.JobsConfig;
import io.wkr.protocol.internal.Json;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds what a unit stores when it finishes a job: the result (a header line and the data, see
 * {@link Payloads}) and, for a job that failed for good, its dead-letter entry. Stateless apart
 * from the unit's names; used by one unit thread.
 */
final class Outcomes {
    private static final Logger logger = LoggerFactory.getLogger(Outcomes.class);

    private final JobsConfig jobs;
    private final String server;
    private final String consumer;

    Outcomes(JobsConfig jobs, String server, String consumer) {
        this.jobs = jobs;
        this.server = server;
        this.consumer = consumer;
    }

    /** A job done: the server's output, encoded. */
    JobStore.Finish done(Job job, Payloads.Encoded out) {
        Map<String, Object> h = header("done", job);
        h.put("type", out.type());
        if (out.dtype() != null) {
            h.put("dtype", out.dtype());
            h.put("shape", Json.parse(out.shape()));
        }
        return new JobStore.Finish(job, Payloads.result(h, out.data()), null);
    }

    /** A job failed for good: a {@code failed} result and a dead letter with its payload and error. */
    JobStore.Finish dead(Job job, String error) {
        Map<String, Object> h = header("failed", job);
        h.put("error", error);
        Map<String, byte[]> letter = new LinkedHashMap<>();
        letter.put("job", Payloads.ascii(job.id()));
        if (job.fields() != null) {
            for (String f : List.of(Payloads.TYPE, Payloads.DATA, Payloads.DTYPE, Payloads.SHAPE)) {
                byte[] v = job.fields().get(f);
                if (v != null) letter.put(f, v);
            }
        }
        letter.put("error", Payloads.ascii(error));
        letter.put("deliveries", Payloads.ascii(Long.toString(job.deliveries())));
        letter.put("consumer", Payloads.ascii(consumer));
        letter.put("server", Payloads.ascii(server));
        letter.put("failed_ms", Payloads.ascii(Long.toString(System.currentTimeMillis())));
        logger.warn("job {} goes to the dead-letter stream {} after {} deliveries: {}", job.id(), jobs.deadStream(),
                job.deliveries(), error);
        return new JobStore.Finish(job, Payloads.result(h, new byte[0]), letter);
    }

    private Map<String, Object> header(String status, Job job) {
        Map<String, Object> h = new LinkedHashMap<>();
        h.put("status", status);
        h.put("server", server);
        h.put("consumer", consumer);
        h.put("deliveries", job.deliveries());
        h.put("finished_ms", System.currentTimeMillis());
        return h;
    }
}

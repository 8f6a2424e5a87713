package io.wkr.decentral.redis;

import io.wkr.decentral.JobsConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds what a unit stores when it finishes a job: the result (a {@link ResultHeader} line and
 * the data, see {@link Payloads}) and, for a job that failed for good, its {@link
 * DeadLetterEntry}. Stateless apart from the unit's names; used by one unit thread.
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
        ResultHeader h = ResultHeader.done(server, consumer, job.deliveries(), System.currentTimeMillis(), out);
        return new JobStore.Finish(job, Payloads.result(h, out.data()), null);
    }

    /** A job failed for good: a {@code failed} result and a dead letter with its payload and error. */
    JobStore.Finish dead(Job job, String error) {
        long now = System.currentTimeMillis();
        ResultHeader h = ResultHeader.failed(server, consumer, job.deliveries(), now, error);
        DeadLetterEntry letter = new DeadLetterEntry(job.id(), job.fields(), error, job.deliveries(), consumer, server,
                now);
        logger.warn("job {} goes to the dead-letter stream {} after {} deliveries: {}", job.id(), jobs.deadStream(),
                job.deliveries(), error);
        return new JobStore.Finish(job, Payloads.result(h, new byte[0]), letter.fields());
    }
}

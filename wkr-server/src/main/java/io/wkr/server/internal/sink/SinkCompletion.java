package io.wkr.server.internal.sink;

import io.wkr.protocol.Envelope;
import io.wkr.protocol.ErrorCode;
import io.wkr.protocol.PayloadCodec;
import io.wkr.server.internal.batching.Completion;
import io.wkr.server.internal.batching.Job;

/**
 * Answers ZeroMQ clients: encodes the output with the server's protocol (in {@code obj}, in the
 * form the request came in: pickle or Kryo) and hands the 4-frame
 * reply to the {@link Sink}. Encoding happens on the completing (worker) thread.
 */
public final class SinkCompletion implements Completion {
    private final Sink sink;
    private final PayloadCodec codec;

    public SinkCompletion(Sink sink, PayloadCodec codec) {
        this.sink = sink;
        this.codec = codec;
    }

    @Override
    public void succeeded(Job job, Object output) {
        PayloadCodec.Encoded enc;
        try {
            enc = codec.encodeReply(output, job.info()); // obj: a pickle to a Python client, Kryo to a Java one
        } catch (RuntimeException e) {
            failed(job, ErrorCode.WORKER_FAILED, "the model's output could not be encoded: " + e.getMessage());
            return;
        }
        sink.put(new Envelope(job.identity(), job.requestId(), enc.payload(), enc.info()), job.arrivalNanos(), null);
    }

    /**
     * Error replies never wait for room in the reply budget: they are small, and they are given by
     * the ventilator (refusals, expired deadlines) and by drains as well as by workers, which must
     * not be held up by a client that does not read.
     */
    @Override
    public void failed(Job job, ErrorCode code, String message) {
        sink.offer(Envelope.error(job.identity(), job.requestId(), code, message), job.arrivalNanos(), code);
    }
}

package io.wkr.client.bench;

import io.wkr.protocol.ErrorCode;

/** Something the bench sends requests to: a wkr server or a raw JeroMQ echo. */
interface Target extends AutoCloseable {

    /** One reply: which request it answers, when that was sent, and how it came back. */
    record Reply(long seq, long sentNanos, boolean matched, ErrorCode error) {}

    String name();

    /** A connection for one virtual client; used by one thread only. */
    Conn connect(int index) throws Exception;

    /**
     * A connection for a virtual client that keeps {@code inFlight} requests outstanding. With one
     * in flight a target may call the way a one-at-a-time caller does (send, then wait).
     */
    default Conn connect(int index, int inFlight) throws Exception {
        return connect(index);
    }

    /** One virtual client's connection. */
    interface Conn extends AutoCloseable {
        /** Sends request {@code seq}, stamped {@code sentNanos} (the intended send time in open loop). */
        void send(long seq, long sentNanos);

        /** The next reply, or null after {@code timeoutNanos}. */
        Reply receive(long timeoutNanos) throws InterruptedException;

        @Override
        void close();
    }

    @Override
    void close();
}

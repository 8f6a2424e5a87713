package io.wkr.server;

import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;

/**
 * The frames between the server and a worker process over a Unix domain socket: a kind byte, a
 * 4-byte length, then the body. Reads and writes block the calling thread and nothing else (no
 * I/O thread hands anything over), and the end of the other side is seen at once, as the end of
 * the stream.
 */
final class ChildChannel implements AutoCloseable {
    static final byte READY = 'R';
    static final byte LOAD_FAILED = 'L';
    static final byte PREDICT = 'P';
    static final byte RESULT = 'O';
    static final byte ERROR = 'E';
    static final byte FATAL = 'F';
    static final byte STOP = 'S';
    /** Statistics the model recorded ({@code recordStatistic}), sent before the answer they came with. */
    static final byte STATISTICS = 'T';

    /** A frame read: its kind and body. */
    record Frame(byte kind, byte[] body) {}

    private final SocketChannel channel;
    private final ByteBuffer header = ByteBuffer.allocate(5);
    private final int maxFrameBytes;

    /** @param maxFrameBytes the largest body {@link #read} takes; a larger one is a broken channel */
    ChildChannel(SocketChannel channel, int maxFrameBytes) {
        this.channel = channel;
        this.maxFrameBytes = maxFrameBytes;
    }

    void send(byte kind, byte[] body) throws IOException {
        ByteBuffer head = ByteBuffer.allocate(5).put(kind).putInt(body.length).flip();
        ByteBuffer[] both = {head, ByteBuffer.wrap(body)};
        while (both[1].hasRemaining() || head.hasRemaining()) channel.write(both);
    }

    /** The next frame; {@link EOFException} when the other side has gone. */
    Frame read() throws IOException {
        header.clear();
        fill(header);
        header.flip();
        byte kind = header.get();
        int length = header.getInt();
        if (length < 0 || length > maxFrameBytes) {
            throw new IOException("a frame of " + Integer.toUnsignedString(length) + " bytes, more than the limit of "
                    + maxFrameBytes);
        }
        ByteBuffer body = ByteBuffer.allocate(length);
        fill(body);
        return new Frame(kind, body.array());
    }

    private void fill(ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            if (channel.read(b) < 0) throw new EOFException("the other side closed the channel");
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
        } catch (IOException e) {
            // closing
        }
    }
}

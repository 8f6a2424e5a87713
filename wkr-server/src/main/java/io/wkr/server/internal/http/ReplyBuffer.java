package io.wkr.server.internal.http;

import io.wkr.server.internal.MemoryBudget;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * A reply body being written: blocks that grow geometrically (4 KiB, 8 KiB, ... 1 MiB), so a
 * large reply is never copied to grow or to be sent, and a small one costs one small block.
 * Every block is first reserved in the server's memory budget and given back by {@link
 * #release()} once the reply is sent; a reply that does not fit throws {@link Full} from {@link
 * #write} (Jackson passes it up). Not thread-safe.
 */
final class ReplyBuffer extends OutputStream {
    private static final int FIRST = 4 * 1024;
    private static final int LARGEST = 1024 * 1024;

    /** The memory budget cannot hold the reply now ({@code tooLarge}: nor ever). */
    static final class Full extends IOException {
        final boolean tooLarge;

        Full(String message, boolean tooLarge) {
            super(message, null);
            this.tooLarge = tooLarge;
        }
    }

    private final MemoryBudget budget;
    private final long alsoHeld;
    private final List<byte[]> blocks = new ArrayList<>();
    private byte[] current;
    private int used;
    private long size;
    private long reserved;

    /** @param alsoHeld what the same reply holds in the budget besides this buffer (its result) */
    ReplyBuffer(MemoryBudget budget, long alsoHeld) {
        this.budget = budget;
        this.alsoHeld = alsoHeld;
    }

    @Override
    public void write(int b) throws IOException {
        if (current == null || used == current.length) next();
        current[used++] = (byte) b;
        size++;
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            if (current == null || used == current.length) next();
            int n = Math.min(len, current.length - used);
            System.arraycopy(b, off, current, used, n);
            used += n;
            off += n;
            len -= n;
            size += n;
        }
    }

    private void next() throws Full {
        int length = current == null ? FIRST : Math.min(LARGEST, current.length * 2);
        if (alsoHeld + reserved + length > budget.limit()) {
            throw new Full("the result and its JSON (more than " + (alsoHeld + size) + " bytes) do not fit in the server's "
                    + "memory budget of " + budget.limit() + " bytes (-" + budget.name() + ")", true);
        }
        if (!budget.tryReserve(length)) {
            throw new Full("the server's memory budget (-" + budget.name() + ") is full; the reply of more than " + size
                    + " bytes cannot be held now; retry later", false);
        }
        reserved += length;
        current = new byte[length];
        blocks.add(current);
        used = 0;
    }

    /** Bytes written. */
    long size() {
        return size;
    }

    /** The written bytes as buffers over the blocks, in order. */
    List<ByteBuffer> buffers() {
        List<ByteBuffer> out = new ArrayList<>(blocks.size());
        for (int i = 0; i < blocks.size(); i++) {
            byte[] b = blocks.get(i);
            out.add(ByteBuffer.wrap(b, 0, i == blocks.size() - 1 ? used : b.length));
        }
        return out;
    }

    /** Gives the reserved bytes back; the buffers must not be used afterwards. */
    void release() {
        if (reserved > 0) budget.release(reserved);
        reserved = 0;
        blocks.clear();
        current = null;
    }
}

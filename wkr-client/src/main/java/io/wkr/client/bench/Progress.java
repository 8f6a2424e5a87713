package io.wkr.client.bench;

import java.io.PrintStream;
import java.util.concurrent.atomic.LongAdder;

/** A one-line progress bar on a terminal (nothing when the output is not a terminal). */
final class Progress implements AutoCloseable {
    private final LongAdder done = new LongAdder();
    private final long total;
    private final long durationNanos;
    private final PrintStream out;
    private final long start = System.nanoTime();
    private final Thread painter;
    private volatile boolean closed;

    Progress(String label, long total, long durationNanos, PrintStream out, boolean enabled) {
        this.total = total;
        this.durationNanos = durationNanos;
        this.out = out;
        if (!enabled) {
            painter = null;
            return;
        }
        painter = new Thread(() -> {
            while (!closed) {
                paint(label);
                try {
                    Thread.sleep(200); // repaint interval of a progress bar
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "wkr-bench-progress");
        painter.setDaemon(true);
        painter.start();
    }

    static Progress none() {
        return new Progress("", 1, 1, System.err, false);
    }

    void tick() {
        done.increment();
    }

    private void paint(String label) {
        long n = done.sum();
        double elapsed = (System.nanoTime() - start) / 1e9;
        double fraction = Math.min(1, Math.max(total == Long.MAX_VALUE ? 0 : n / (double) total,
                (System.nanoTime() - start) / (double) durationNanos));
        int width = 30;
        int filled = (int) (fraction * width);
        out.printf("\r%-28s [%s%s] %3.0f%% %9.0f req/s", label, "#".repeat(filled), " ".repeat(width - filled),
                fraction * 100, elapsed > 0 ? n / elapsed : 0);
        out.flush();
    }

    @Override
    public void close() {
        closed = true;
        if (painter != null) {
            painter.interrupt();
            out.print("\r" + " ".repeat(80) + "\r");
            out.flush();
        }
    }
}

package io.wkr.client.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import javax.imageio.ImageIO;

/** Draws latency (p50 and p99) against throughput for a sweep of concurrency, one line per target. */
final class Chart {
    private static final Color[] COLORS = {new Color(0x1f77b4), new Color(0xd62728), new Color(0x2ca02c),
        new Color(0x9467bd), new Color(0xff7f0e)};

    private Chart() {}

    static void write(Path file, String title, List<Result> results) throws IOException {
        Map<String, List<Result>> byTarget = new LinkedHashMap<>();
        for (Result r : results) byTarget.computeIfAbsent(r.target, k -> new java.util.ArrayList<>()).add(r);
        int w = 900;
        int h = 560;
        int left = 80;
        int right = 30;
        int top = 50;
        int bottom = 60;
        double maxX = 1;
        double maxY = 0.001;
        for (Result r : results) {
            maxX = Math.max(maxX, r.throughput());
            maxY = Math.max(maxY, r.millis(99));
        }
        maxX *= 1.08;
        maxY *= 1.15;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, w, h);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 15));
        g.drawString(title, left, 28);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        int pw = w - left - right;
        int ph = h - top - bottom;
        g.setColor(new Color(0xeeeeee));
        for (int i = 0; i <= 5; i++) {
            int y = top + ph - ph * i / 5;
            int x = left + pw * i / 5;
            g.drawLine(left, y, left + pw, y);
            g.drawLine(x, top, x, top + ph);
        }
        g.setColor(Color.DARK_GRAY);
        g.drawRect(left, top, pw, ph);
        for (int i = 0; i <= 5; i++) {
            g.drawString(String.format(Locale.ROOT, "%.0f", maxX * i / 5), left + pw * i / 5 - 15, top + ph + 18);
            g.drawString(String.format(Locale.ROOT, "%.2f", maxY * i / 5), 10, top + ph - ph * i / 5 + 4);
        }
        g.drawString("throughput (requests/s)", left + pw / 2 - 70, h - 15);
        g.drawString("latency (ms)", 10, top - 8);
        int legendY = top + 18;
        int ci = 0;
        for (Map.Entry<String, List<Result>> e : byTarget.entrySet()) {
            Color c = COLORS[ci++ % COLORS.length];
            for (int series = 0; series < 2; series++) {
                double pct = series == 0 ? 50 : 99;
                g.setColor(c);
                g.setStroke(series == 0 ? new BasicStroke(2f)
                        : new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f));
                int px = -1;
                int py = -1;
                for (Result r : e.getValue()) {
                    int x = left + (int) (pw * r.throughput() / maxX);
                    int y = top + ph - (int) (ph * r.millis(pct) / maxY);
                    g.fillOval(x - 3, y - 3, 6, 6);
                    if (series == 0) g.drawString("C=" + r.clients, x + 5, y - 5);
                    if (px >= 0) g.drawLine(px, py, x, y);
                    px = x;
                    py = y;
                }
                g.drawLine(left + pw - 200, legendY, left + pw - 170, legendY);
                g.setColor(Color.DARK_GRAY);
                g.drawString(e.getKey() + (series == 0 ? " p50" : " p99"), left + pw - 160, legendY + 4);
                legendY += 18;
            }
        }
        g.dispose();
        ImageIO.write(img, "png", file.toFile());
    }
}

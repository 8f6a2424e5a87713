package io.wkr.server.internal.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.wkr.client.ConcurrentWKRClient;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.WKRHardWorker;
import io.wkr.server.WKRServer;
import io.wkr.server.testing.Await;
import io.wkr.server.testing.Browser;
import io.wkr.server.testing.TestServers;
import java.awt.Color;
import java.awt.GradientPaint;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;

/**
 * The dashboard in a real headless Chromium against a real server: live charts while a ZeroMQ
 * load runs, the worker table, the request panel (JSON, errors, an image round trip), the token
 * taken from the URL, no console errors and no requests leaving the server. Writes a screenshot
 * to {@code wkr-server/target/dashboard.png} (copied into the docs by hand).
 */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class DashboardBrowserTest {
    private static final Duration WAIT = Duration.ofSeconds(30);
    private static final String TOKEN = "dash-test-token-8f3a";

    @TempDir Path dir;
    private WKRServer server;
    private Browser browser;
    private WebDriver page;

    /** Echoes its inputs, like {@code io.wkr.examples.EchoWorker}; throws for the input "boom". */
    static final class EchoWorker extends WKRHardWorker<Void, Object, Object> {
        @Override
        public Void getModel(Object env, Path modelDir, String modelName, Path tmpDir) {
            return null;
        }

        @Override
        public List<Object> predict(Void model, List<Object> inputs) {
            if (inputs.contains("boom")) throw new IllegalStateException("boom requested");
            LockSupport.parkNanos(300_000); // a little model time, so that batches of several form
            return new ArrayList<>(inputs);
        }
    }

    @BeforeEach
    void needsChromium() {
        Browser.assumeAvailable();
    }

    @AfterEach
    void stop() {
        try {
            if (browser != null) browser.close();
        } finally {
            if (server != null) server.close();
        }
    }

    private void start(ServerConfig.Builder config) {
        server = TestServers.start(config.httpPort(0).build(), EchoWorker::new);
        browser = Browser.start(dir);
        page = browser.driver();
    }

    private String base() {
        return "http://127.0.0.1:" + server.httpPort();
    }

    /** Opens the dashboard and waits until its script has run. */
    private void open(String pathAndQuery) {
        page.get(base() + pathAndQuery);
        browser.waitFor(WAIT).until(d -> Boolean.TRUE.equals(browser.script(
                "return document.readyState === 'complete' && !!window.wkrDashboard && !!window.wkrCharts.throughput;")));
    }

    private long polls() {
        return ((Number) browser.script("return window.wkrDashboard.polls;")).longValue();
    }

    private void awaitPolls(long n) {
        browser.waitFor(WAIT).until(d -> polls() >= n);
    }

    private double number(String script) {
        Object v = browser.script(script);
        return v == null ? Double.NaN : ((Number) v).doubleValue();
    }

    /** The largest y of one dataset of one of the exposed Chart.js instances. */
    private double maxY(String chart, int dataset) {
        return number("var d = window.wkrCharts." + chart + ".data.datasets[" + dataset + "].data;"
                + "return d.reduce(function (m, p) { var y = typeof p === 'number' ? p : p.y;"
                + " return y !== null && y > m ? y : m; }, 0);");
    }

    private WebElement byId(String id) {
        return page.findElement(By.id(id));
    }

    /** A count as the page shows it ("13,427"), or -1 while it shows none yet ("–"). */
    private static long count(String text) {
        String digits = text.replace(",", "").strip();
        return digits.matches("\\d+") ? Long.parseLong(digits) : -1;
    }

    private String sendJson(String json) {
        WebElement box = byId("request-json");
        box.clear();
        box.sendKeys(json);
        String before = byId("request-result").getAttribute("data-seq");
        byId("request-send").click();
        browser.waitFor(WAIT).until(d -> {
            WebElement r = byId("request-result");
            String cls = r.getAttribute("class");
            return !String.valueOf(r.getAttribute("data-seq")).equals(String.valueOf(before))
                    && (cls.contains(" ok") || cls.contains(" error"));
        });
        return byId("request-result").getAttribute("class");
    }

    private String errorCode() {
        return page.findElement(By.cssSelector("#request-result .error-code")).getText();
    }

    /** Every resource the page loaded came from the server itself: no CDN, nothing external. */
    private void assertOnlyLocalRequests() {
        @SuppressWarnings("unchecked")
        List<String> urls = (List<String>) browser.script(
                "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
                        + ".concat([location.href]);");
        assertThat(urls).isNotEmpty().allSatisfy(u -> assertThat(u).startsWith(base() + "/"));
        assertThat(urls).anySatisfy(u -> assertThat(u).endsWith("/webjars/chart.js/4.4.1/dist/chart.umd.js"));
    }

    @Test
    void chartsFollowALiveLoadWithoutConsoleErrors() throws Exception {
        start(TestServers.config(dir).numWorker(2).batchSize(8));
        try (Load load = Load.start(server, 4, 200_000, Duration.ofSeconds(90))) {
            open("/");

            // the number card and the chart both show the load
            browser.waitFor(WAIT).until(d -> Double.parseDouble(byId("throughput-now").getAttribute("data-value")) > 0);
            browser.waitFor(WAIT).until(d -> maxY("throughput", 0) > 0);
            assertThat(Double.parseDouble(byId("throughput-now").getText().replace(",", ""))).isPositive();
            browser.waitFor(WAIT).until(d -> maxY("latency", 0) > 0 && maxY("batchSizes", 0) > 0);
            browser.waitFor(WAIT).until(d -> count(byId("requests-succeeded").getText()) > 0);

            // the worker table: one row per worker, with work done
            browser.waitFor(WAIT).until(d -> page.findElements(By.cssSelector("#workers tbody tr[data-worker-id]")).size() == 2);
            browser.waitFor(WAIT).until(d -> page.findElements(By.cssSelector("#workers tbody tr[data-worker-id]")).stream()
                    .mapToLong(r -> count(r.findElements(By.tagName("td")).get(4).getText())).sum() > 0);
            // The table is re-rendered every second: read it in one script call, not element by element.
            Object states = browser.script("return Array.from(document.querySelectorAll("
                    + "'#workers tbody tr[data-worker-id]')).map(function (r) {"
                    + " return r.getAttribute('data-state') + '/' + r.querySelector('.chip').textContent; });");
            assertThat((java.util.List<?>) states).hasSize(2)
                    .allSatisfy(s -> assertThat(s.toString()).isIn("IDLE/IDLE", "BUSY/BUSY"));
            assertThat(byId("server-state").getText()).isEqualTo("READY");
            assertThat(byId("worker-class").getText()).isEqualTo(EchoWorker.class.getName());

            // the load's occasional "boom" shows up as WORKER_FAILED in the errors panel
            browser.waitFor(WAIT).until(d -> maxY("errors", 3) > 0);
            browser.waitFor(WAIT).until(d -> page.findElement(By.cssSelector("#errors-by-code li[data-code='WORKER_FAILED']"))
                    .getAttribute("class").contains("nonzero"));

            assertThat(browser.severeConsoleMessages()).isEmpty();
            assertOnlyLocalRequests();

            // some history for the screenshot, and an answer in the request panel
            browser.waitFor(WAIT).until(d -> number("return window.wkrCharts.throughput.data.datasets[0].data"
                    + ".filter(function (p) { return p.y > 0; }).length;") >= 20);
            assertThat(sendJson("{\"text\": \"hello wkr\", \"n\": [1, 2, 3]}")).contains(" ok");
            Path shot = browser.screenshot(Path.of(System.getProperty("basedir", "."), "target", "dashboard.png"));
            BufferedImage image = ImageIO.read(shot.toFile());
            assertThat(image.getWidth()).isGreaterThanOrEqualTo(1000);
            assertThat(image.getHeight()).isGreaterThan(900);
            assertThat(browser.severeConsoleMessages()).isEmpty();
        }
    }

    @Test
    void requestPanelShowsAnswersAndErrors() {
        start(TestServers.config(dir).numWorker(1).batchSize(4));
        open("/");
        awaitPolls(1);

        assertThat(sendJson("{\"greeting\": \"hello\", \"n\": [1, 2, 3]}")).contains(" ok");
        assertThat(byId("request-result").getText()).contains("\"greeting\": \"hello\"").contains("\"n\": [1, 2, 3]");
        assertThat(byId("request-meta").getText()).startsWith("HTTP 200").contains("server");

        // not JSON: caught in the page, nothing sent
        assertThat(sendJson("{\"greeting\": ")).contains(" error");
        assertThat(errorCode()).isEqualTo("INVALID_JSON");

        // JSON the server refuses: its 400 and message
        assertThat(sendJson("null")).contains(" error");
        assertThat(errorCode()).isEqualTo("BAD_REQUEST");
        assertThat(byId("request-result").getText()).contains("HTTP 400").contains("null");

        // a model failure: 500 with the worker's message
        assertThat(sendJson("\"boom\"")).contains(" error");
        assertThat(errorCode()).isEqualTo("WORKER_FAILED");
        assertThat(byId("request-result").getText()).contains("HTTP 500").contains("boom requested");

        // and it still works afterwards
        assertThat(sendJson("[1, 2.5, \"three\"]")).contains(" ok");
        assertThat(byId("request-result").getText()).contains("[1, 2.5, \"three\"]");

        // Chromium logs every non-2xx fetch as an error; those two are the only ones
        assertThat(browser.severeConsoleMessages(m -> m.contains("/encode") && (m.contains("status of 400") || m.contains("status of 500"))))
                .isEmpty();
        assertThat(browser.severeConsoleMessages()).hasSize(2);
    }

    @Test
    void anUploadedImageComesBackAsAnImage() throws Exception {
        start(TestServers.config(dir).numWorker(1).batchSize(4));
        BufferedImage img = new BufferedImage(64, 48, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setPaint(new GradientPaint(0, 0, new Color(0x2f6fdf), 64, 48, new Color(0xffd166)));
        g.fillRect(0, 0, 64, 48);
        g.dispose();
        Path png = dir.resolve("gradient.png");
        assertThat(ImageIO.write(img, "png", png.toFile())).isTrue();

        open("/");
        awaitPolls(1);
        byId("request-file").sendKeys(png.toAbsolutePath().toString());
        browser.waitFor(WAIT).until(d -> byId("request-file-send").isEnabled());
        byId("request-file-send").click();

        browser.waitFor(WAIT).until(d -> !page.findElements(By.cssSelector("#request-result img")).isEmpty());
        String src = page.findElement(By.cssSelector("#request-result img")).getAttribute("src");
        assertThat(src).startsWith("data:image/png;base64,");
        assertThat(Base64.getDecoder().decode(src.substring("data:image/png;base64,".length())))
                .isEqualTo(Files.readAllBytes(png));
        browser.waitFor(WAIT).until(d -> number("return document.querySelector('#request-result img').naturalWidth;") == 64);
        assertThat(number("return document.querySelector('#request-result img').naturalHeight;")).isEqualTo(48);
        assertThat(byId("request-meta").getText()).startsWith("HTTP 200");
        assertThat(browser.severeConsoleMessages()).isEmpty();
        assertOnlyLocalRequests();
    }

    @Test
    void theTokenComesFromTheUrlAndLeavesIt() {
        start(TestServers.config(dir).numWorker(1).batchSize(4).httpToken(TOKEN));

        open("/?token=" + TOKEN);
        awaitPolls(2);
        assertThat(page.getCurrentUrl()).doesNotContain(TOKEN).isEqualTo(base() + "/");
        assertThat(byId("banner").isDisplayed()).isFalse();
        assertThat(sendJson("\"with token\"")).contains(" ok");
        assertThat(browser.severeConsoleMessages()).isEmpty();

        // a fresh tab without the token: the page says so and takes one
        browser.script("sessionStorage.clear();");
        open("/");
        browser.waitFor(WAIT).until(d -> byId("banner").isDisplayed() && byId("token-input").isDisplayed());
        assertThat(byId("banner-text").getText()).contains("token");
        assertThat(polls()).isZero();
        byId("token-input").sendKeys(TOKEN + "\n");
        awaitPolls(1);
        browser.waitFor(WAIT).until(d -> !byId("banner").isDisplayed());
        assertThat(browser.severeConsoleMessages(m -> m.contains("/status") && m.contains("status of 401"))).isEmpty();
    }

    /** A bounded ZeroMQ load: a few threads, each stopping at a count, a deadline or close(). */
    private static final class Load implements AutoCloseable {
        private final ConcurrentWKRClient client;
        private final ExecutorService threads;
        private final AtomicBoolean stopped = new AtomicBoolean();
        private final AtomicLong completed = new AtomicLong();
        private final AtomicLong failed = new AtomicLong();

        private Load(WKRServer server, int nThreads) {
            this.client = new ConcurrentWKRClient(TestServers.client(server).build(), nThreads);
            this.threads = Executors.newFixedThreadPool(nThreads, r -> {
                Thread t = new Thread(r, "dashboard-load");
                t.setDaemon(true);
                return t;
            });
        }

        static Load start(WKRServer server, int nThreads, int perThread, Duration limit) {
            Load load = new Load(server, nThreads);
            long deadline = System.nanoTime() + limit.toNanos();
            for (int t = 0; t < nThreads; t++) {
                int thread = t;
                load.threads.execute(() -> {
                    for (int i = 0; i < perThread && !load.stopped.get() && System.nanoTime() < deadline; i++) {
                        // one request in 400 fails its batch, so the errors panel has something to show
                        Object input = i % 400 == 399 ? "boom" : "load-" + thread + "-" + i;
                        try {
                            load.client.encode(input);
                            load.completed.incrementAndGet();
                        } catch (RuntimeException e) {
                            load.failed.incrementAndGet();
                        }
                    }
                });
            }
            try {
                Await.until(() -> load.completed.get() > 0, Duration.ofSeconds(20), "the first answer to the load");
            } catch (AssertionError e) {
                try {
                    load.close();
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                throw e;
            }
            return load;
        }

        @Override
        public void close() throws InterruptedException {
            stopped.set(true);
            threads.shutdown();
            try {
                if (!threads.awaitTermination(30, TimeUnit.SECONDS)) threads.shutdownNow();
            } finally {
                client.close();
            }
        }
    }
}

package io.wkr.server.testing;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.logging.Level;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A real headless Chromium driven by Selenium, for tests of browser-facing pages.
 *
 * <p>Uses the Debian packages {@code chromium} and {@code chromium-driver} at fixed paths and
 * never lets Selenium Manager look for or download a driver. The browser runs with a fresh
 * profile, no background networking, and its console captured, so a test can assert that a page
 * logged no errors. Call {@link #assumeAvailable()} first: a machine without Chromium skips the
 * test instead of failing it ({@code scripts/test} installs both packages).
 *
 * <pre>{@code
 * Browser.assumeAvailable();
 * try (Browser browser = Browser.start(tempDir)) {
 *     browser.driver().get(url);
 *     browser.waitFor(Duration.ofSeconds(20)).until(d -> ...);
 *     assertThat(browser.severeConsoleMessages()).isEmpty();
 * }
 * }</pre>
 */
public final class Browser implements AutoCloseable {
    public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");

    private static final int MAX_SCREENSHOT_HEIGHT = 4000;
    /** Selenium warns on every start that it has no CDP bindings for this Chromium; we use none. */
    private static final java.util.logging.Logger CDP_LOGGER = quietCdpWarnings();

    private final ChromeDriver driver;
    private final ChromeDriverService service;
    private final Path profile;
    private final List<LogEntry> console = new ArrayList<>();

    private Browser(ChromeDriver driver, ChromeDriverService service, Path profile) {
        this.driver = driver;
        this.service = service;
        this.profile = profile;
    }

    private static java.util.logging.Logger quietCdpWarnings() {
        java.util.logging.Logger l = java.util.logging.Logger.getLogger("org.openqa.selenium.devtools.CdpVersionFinder");
        l.setLevel(Level.SEVERE);
        return l;
    }

    /** Whether Chromium and chromedriver are installed where this class looks for them. */
    public static boolean available() {
        return Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
    }

    /** Skips the calling test (JUnit assumption) when Chromium or chromedriver is missing. */
    public static void assumeAvailable() {
        assumeTrue(available(), "install chromium chromium-driver");
    }

    /**
     * Starts a headless Chromium with a 1400 x 1000 window and a fresh profile in a new directory
     * under {@code workDir}, removed again by {@link #close()}.
     */
    public static Browser start(Path workDir) {
        assumeAvailable();
        Path profile;
        try {
            profile = Files.createTempDirectory(workDir, "chromium-profile-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // Both paths explicit: Selenium only asks Selenium Manager when one of them is missing.
        System.setProperty(ChromeDriverService.CHROME_DRIVER_EXE_PROPERTY, CHROMEDRIVER.toString());
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile())
                .usingAnyFreePort()
                .withSilent(true)
                .build();
        ChromeOptions options = new ChromeOptions();
        options.setBinary(CHROMIUM.toFile());
        options.addArguments(
                "--headless=new",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-default-apps",
                "--disable-extensions",
                "--disable-dev-shm-usage",
                "--window-size=1400,1000",
                "--user-data-dir=" + profile);
        options.setCapability("goog:loggingPrefs", Map.of(LogType.BROWSER, "ALL"));
        ChromeDriver driver;
        try {
            driver = new ChromeDriver(service, options);
        } catch (RuntimeException e) {
            service.stop();
            deleteQuietly(profile);
            throw e;
        }
        driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(10));
        return new Browser(driver, service, profile);
    }

    public WebDriver driver() {
        return driver;
    }

    /** A wait that polls every 50 ms, for use with {@code until(...)} instead of sleeping. */
    public WebDriverWait waitFor(Duration timeout) {
        WebDriverWait wait = new WebDriverWait(driver, timeout, Duration.ofMillis(50));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return wait;
    }

    /** Runs JavaScript in the page and returns its result (numbers come back as Long or Double). */
    public Object script(String js, Object... args) {
        return ((JavascriptExecutor) driver).executeScript(js, args);
    }

    /** Every console entry the page logged since the browser started (Chrome hands each out once). */
    public synchronized List<LogEntry> consoleEntries() {
        for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) console.add(e);
        return List.copyOf(console);
    }

    /** Console errors (level SEVERE: uncaught exceptions, failed loads, console.error) so far. */
    public List<String> severeConsoleMessages() {
        return severeConsoleMessages(m -> false);
    }

    /** Console errors so far, leaving out the ones {@code expected} accepts. */
    public List<String> severeConsoleMessages(Predicate<String> expected) {
        return consoleEntries().stream()
                .filter(e -> e.getLevel().intValue() >= Level.SEVERE.intValue())
                .map(LogEntry::getMessage)
                .filter(expected.negate())
                .collect(Collectors.toList());
    }

    /**
     * Writes a PNG screenshot of the whole page to {@code target}: the window is made as tall as
     * the page first, then put back.
     */
    public Path screenshot(Path target) {
        Dimension before = driver.manage().window().getSize();
        try {
            script("window.scrollTo(0, 0);");
            for (int i = 0; i < 3; i++) { // the page may reflow once at the new size
                Number page = (Number) script("return Math.ceil(document.documentElement.scrollHeight);");
                Number view = (Number) script("return window.innerHeight;");
                int want = Math.min(page.intValue(), MAX_SCREENSHOT_HEIGHT);
                if (view.intValue() >= want) break;
                Dimension now = driver.manage().window().getSize();
                driver.manage().window().setSize(new Dimension(now.getWidth(), now.getHeight() + want - view.intValue()));
            }
            Path shot = driver.getScreenshotAs(OutputType.FILE).toPath();
            Path parent = target.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            Files.copy(shot, target, StandardCopyOption.REPLACE_EXISTING);
            Files.deleteIfExists(shot);
            return target;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            driver.manage().window().setSize(before);
        }
    }

    @Override
    public void close() {
        try {
            driver.quit();
        } finally {
            service.stop();
            deleteQuietly(profile);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null || !Files.exists(dir)) return;
        try (Stream<Path> walk = Files.walk(dir)) {
            walk.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException ignored) {
                    // Chromium may still be writing; the surrounding temp dir goes anyway
                }
            });
        } catch (IOException | UncheckedIOException ignored) {
            // best effort
        }
    }
}

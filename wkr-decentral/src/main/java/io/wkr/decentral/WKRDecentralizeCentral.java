package io.wkr.decentral;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.wkr.protocol.AdminToken;
import io.wkr.protocol.Wire;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs {@code num_client} {@link WKRWorker units} per remote server, keeps them running, and
 * answers control commands: the original's {@code WKRDecentralizeCentral}.
 *
 * <pre>{@code
 * DecentralConfig config = DecentralConfig.builder(RemoteServer.parseList("[[\"10.0.0.1\", 5555, 5556]]"))
 *         .numClient(4).redis(RedisConfig.of("localhost", 6379)).httpPort(8080).build();
 * try (WKRDecentralizeCentral central = new WKRDecentralizeCentral(config, JobUnit::new)) {
 *     central.start();
 *     central.awaitTermination();   // until close(), TERMINATION or SIGTERM (wkr-decentral-start)
 * }
 * }</pre>
 *
 * <p>A unit that throws is started again (a fresh instance) after a backoff that doubles from
 * {@code restartBackoffMin} to {@code restartBackoffMax}, so a server that stops answering costs
 * only its own units, which keep retrying it. Units of all servers typically compete for the same
 * jobs (a shared Redis stream), so the others take the share of a server that is down.
 *
 * <p>Control ({@code controlPort}): a ROUTER socket; requests are {@code [COMMAND, JSON]}, replies
 * one JSON frame sent back to the requester. Commands: {@code SHOW_CONFIG} (or {@code STATUS}),
 * {@code IDLE} (stop all units, stay up), {@code RESTART_CLIENT} (restart all units), {@code
 * SWITCH} ({@code {"remote_servers": [...] or null, "number_clients": n}}: new servers and/or
 * units per server, then restart) and {@code TERMINATION}. All but the first need the control
 * token ({@code {"token": "..."}}), written at start to a file only the owner can read. HTTP
 * ({@code httpPort}): {@code /status} (JSON), {@code /health} and a status page at {@code /}.
 *
 * <p>Thread-safe. Lifecycle methods are serialised; {@link #status()} may be called any time.
 */
public final class WKRDecentralizeCentral implements AutoCloseable {
    private static final Logger logger = LoggerFactory.getLogger(WKRDecentralizeCentral.class);

    /** Lifecycle of a central. */
    public enum State { NEW, RUNNING, IDLE, STOPPING, STOPPED }

    private final Supplier<? extends WKRWorker<?>> unitFactory;
    private final Object lifecycle = new Object();
    private final CountDownLatch terminated = new CountDownLatch(1);
    private final AtomicInteger threadNo = new AtomicInteger();
    private volatile DecentralConfig config;
    private volatile State state = State.NEW;
    private volatile List<UnitRunner> units = List.of();
    private ControlSocket control;
    private StatusHttp http;
    private AdminToken token;

    /**
     * @param unitFactory makes a unit (for instance {@code JobUnit::new}); called once per unit
     *     slot at start and again for every restart
     */
    public WKRDecentralizeCentral(DecentralConfig config, Supplier<? extends WKRWorker<?>> unitFactory) {
        this.config = Objects.requireNonNull(config, "config == null");
        this.unitFactory = Objects.requireNonNull(unitFactory, "unitFactory == null");
    }

    /**
     * Opens the control socket and HTTP port (when configured) and starts every unit. Returns at
     * once: units connect to their servers on their own threads.
     *
     * @throws IllegalStateException when a port cannot be bound; everything opened is closed again
     */
    public void start() {
        synchronized (lifecycle) {
            if (state != State.NEW) throw new IllegalStateException("central already started");
            try {
                if (config.controlPort() != null) openControl();
                if (config.httpPort() != null) {
                    http = new StatusHttp(config.controlHost(), config.httpPort(), this::status);
                    http.start();
                }
            } catch (RuntimeException e) {
                closeEndpoints();
                state = State.STOPPED;
                terminated.countDown();
                throw e instanceof IllegalStateException ? e : new IllegalStateException(e.getMessage(), e);
            }
            startUnits();
            state = State.RUNNING;
        }
    }

    private void openControl() {
        control = new ControlSocket(config.controlHost(), config.controlPort(), this::handle);
        Path file = config.tokenFile() != null ? config.tokenFile() : defaultTokenFile(control.port());
        token = AdminToken.create(file);
        control.start(token);
        logger.info("control socket on {}:{} (token in {})", config.controlHost(), control.port(), file);
    }

    /** The default control token file for a central whose control port is {@code port}. */
    public static Path defaultTokenFile(int port) {
        return Path.of(System.getProperty("user.home"), ".wkr", "run", "decentral-" + port + ".token");
    }

    private void startUnits() {
        DecentralConfig c = config;
        List<UnitRunner> list = new ArrayList<>();
        for (RemoteServer s : c.remoteServers()) {
            for (int i = 0; i < c.numClient(); i++) {
                list.add(new UnitRunner(s.address() + "#" + i, s, i, threadNo.getAndIncrement(), c, unitFactory));
            }
        }
        units = List.copyOf(list);
        for (UnitRunner u : list) u.start();
        logger.info("started {} units: {} per server on {}", list.size(), c.numClient(), c.remoteServers());
    }

    /** Asks every unit to stop, then waits for each up to {@code stopTimeout} in all. */
    private void stopUnits() {
        List<UnitRunner> list = units;
        if (list.isEmpty()) return;
        for (UnitRunner u : list) u.requestStop();
        long deadline = System.nanoTime() + config.stopTimeout().toNanos();
        int stuck = 0;
        for (UnitRunner u : list) {
            try {
                if (!u.join(Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime())))) stuck++;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                stuck++;
            }
        }
        units = List.of();
        if (stuck > 0) {
            logger.warn("{} of {} units did not stop within {} s; left running as daemon threads", stuck, list.size(),
                    config.stopTimeout().toSeconds());
        } else {
            logger.info("stopped {} units", list.size());
        }
    }

    /** Stops every unit and keeps the central up (control and HTTP still answer). */
    public void idle() {
        synchronized (lifecycle) {
            requireStarted();
            stopUnits();
            state = State.IDLE;
        }
    }

    /** Stops every unit and starts them again with the current configuration (also after {@link #idle}). */
    public void restartUnits() {
        synchronized (lifecycle) {
            requireStarted();
            stopUnits();
            startUnits();
            state = State.RUNNING;
        }
    }

    /**
     * Replaces the server list and/or the number of units per server, then restarts the units.
     *
     * @param servers the new servers, or {@code null} to keep them
     * @param numClient the new units per server, or 0 (or less) to keep it
     */
    public void switchServers(List<RemoteServer> servers, int numClient) {
        synchronized (lifecycle) {
            requireStarted();
            DecentralConfig.Builder b = config.toBuilder();
            if (servers != null) b.remoteServers(servers);
            if (numClient > 0) b.numClient(numClient);
            DecentralConfig next = b.build();
            stopUnits();
            config = next;
            startUnits();
            state = State.RUNNING;
        }
    }

    private void requireStarted() {
        if (state == State.NEW) throw new IllegalStateException("central not started");
        if (state == State.STOPPING || state == State.STOPPED) throw new IllegalStateException("central is stopping");
    }

    /** Stops the units (each finishes its current round), then closes control and HTTP. */
    @Override
    public void close() {
        synchronized (lifecycle) {
            if (state == State.STOPPED || state == State.STOPPING) return;
            State was = state;
            state = State.STOPPING;
            if (was != State.NEW) {
                logger.info("stopping {} units", units.size());
                stopUnits();
            }
            closeEndpoints();
            state = State.STOPPED;
            terminated.countDown();
        }
    }

    private void closeEndpoints() {
        if (control != null) control.close();
        if (http != null) http.close();
        if (token != null) token.delete();
    }

    /** Closes on another thread (for a remote {@code TERMINATION}); returns at once. */
    public void terminate() {
        Thread t = new Thread(this::close, "wkr-decentral-terminate");
        t.setDaemon(false);
        t.start();
    }

    /** Blocks until the central has stopped. */
    public void awaitTermination() throws InterruptedException {
        terminated.await();
    }

    /** Blocks until the central has stopped or the timeout passes; true if it stopped. */
    public boolean awaitTermination(Duration timeout) throws InterruptedException {
        return terminated.await(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    public State state() {
        return state;
    }

    /** The current configuration (changed by {@link #switchServers}). */
    public DecentralConfig config() {
        return config;
    }

    /** The bound control port. */
    public int controlPort() {
        if (control == null) throw new IllegalStateException("no control socket");
        return control.port();
    }

    /** The bound HTTP port. */
    public int httpPort() {
        if (http == null) throw new IllegalStateException("no HTTP port");
        return http.port();
    }

    /** The control token file (deleted at stop). */
    public Path tokenFile() {
        if (token == null) throw new IllegalStateException("no control socket");
        return token.file();
    }

    /**
     * Configuration, units and counters: what {@code SHOW_CONFIG} and {@code GET /status} show; a
     * superset of the original's {@code SHOW_CONFIG} ({@code port}, {@code port_out}, {@code
     * number_client_per_server}, {@code remote_servers}).
     */
    public CentralStatus status() {
        DecentralConfig c = config;
        List<UnitRunner> list = units;
        List<CentralStatus.Unit> unitList = new ArrayList<>(list.size());
        Map<String, Long> totals = new TreeMap<>();
        Map<RemoteServer, ServerTally> perServer = new LinkedHashMap<>();
        for (RemoteServer s : c.remoteServers()) perServer.put(s, new ServerTally());
        for (UnitRunner u : list) {
            CentralStatus.Unit unit = u.snapshot();
            unitList.add(unit);
            unit.counters().forEach((k, v) -> totals.merge(k, v, Long::sum));
            perServer.computeIfAbsent(unit.server(), s -> new ServerTally()).add(unit);
        }
        List<CentralStatus.Server> servers = new ArrayList<>(perServer.size());
        perServer.forEach((s, t) -> servers.add(t.of(s)));
        return new CentralStatus(Wire.WKR_VERSION, state, ProcessHandle.current().pid(),
                control == null ? null : control.port(), null, http == null ? null : http.port(), c.numClient(),
                c.remoteServers(), servers, unitList, totals, c.describe());
    }

    /** One server's units, counted while the status is built. */
    private static final class ServerTally {
        int units;
        int running;
        int backoff;
        long jobsDone;

        CentralStatus.Server of(RemoteServer server) {
            return new CentralStatus.Server(server, units, running, backoff, jobsDone);
        }

        void add(CentralStatus.Unit u) {
            units++;
            if (u.state() == UnitState.RUNNING) running++;
            if (u.state() == UnitState.BACKOFF || u.state() == UnitState.STARTING) backoff++;
            jobsDone += u.counters().getOrDefault("jobs_done", 0L);
        }
    }

    /** {@code IDLE} and {@code TERMINATION}: the state the central is in now. */
    record StateReply(State state) {}

    /** {@code RESTART_CLIENT}: the state and the number of units started. */
    record RestartReply(State state, int units) {}

    /** {@code SWITCH}: the servers and units per server now (the original answered {@code success} only). */
    record SwitchReply(
            boolean success,
            @JsonProperty("remote_servers") List<RemoteServer> remoteServers,
            @JsonProperty("number_client_per_server") int numberClientPerServer) {}

    /** Runs a control command (on the control thread); returns its reply record. */
    private Object handle(String command, ControlRequest args) {
        switch (command) {
            case "SHOW_CONFIG", "STATUS":
                return status();
            case "IDLE":
                idle();
                return new StateReply(state);
            case "RESTART_CLIENT", "RESTART":
                restartUnits();
                return new RestartReply(state, units.size());
            case "SWITCH":
                return doSwitch(args);
            case "TERMINATION":
                logger.info("TERMINATION received: stopping");
                terminate();
                return new StateReply(State.STOPPING);
            default:
                throw new ControlSocket.BadCommand("unknown command '" + command
                        + "'; known: SHOW_CONFIG, STATUS, IDLE, RESTART_CLIENT, SWITCH, TERMINATION");
        }
    }

    private SwitchReply doSwitch(ControlRequest args) {
        int numClient = args.numberClients() == null ? 0 : args.numberClients();
        if (args.remoteServers() == null && numClient <= 0) {
            throw new ControlSocket.BadCommand("SWITCH needs remote_servers and/or number_clients > 0");
        }
        switchServers(args.remoteServers(), numClient);
        DecentralConfig c = config;
        return new SwitchReply(true, c.remoteServers(), c.numClient());
    }
}

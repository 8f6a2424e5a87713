package io.wkr.decentral;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.BooleanSupplier;

/**
 * What a unit knows about itself: its name, server and index, the central's configuration, and a
 * place for counters that show up in the central's status. One context lives as long as the
 * unit's slot: a restarted unit gets the same context, so its counters go on. Thread-safe.
 */
public final class UnitContext {
    private final String name;
    private final RemoteServer server;
    private final int index;
    private final DecentralConfig config;
    private final BooleanSupplier stopping;
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final Map<String, Long> gauges = new ConcurrentHashMap<>();

    UnitContext(String name, RemoteServer server, int index, DecentralConfig config, BooleanSupplier stopping) {
        this.name = Objects.requireNonNull(name, "name == null");
        this.server = Objects.requireNonNull(server, "server == null");
        this.index = index;
        this.config = Objects.requireNonNull(config, "config == null");
        this.stopping = Objects.requireNonNull(stopping, "stopping == null");
    }

    /** {@code host:port_in#index}, unique within the central. */
    public String name() {
        return name;
    }

    /** The server this unit works with. */
    public RemoteServer server() {
        return server;
    }

    /** 0-based index of this unit among its server's units. */
    public int index() {
        return index;
    }

    public DecentralConfig config() {
        return config;
    }

    /** True once the central wants this unit to stop: finish the current round and return. */
    public boolean stopping() {
        return stopping.getAsBoolean();
    }

    /** A unit setting given with {@code -arg KEY=VALUE}, or {@code fallback}. */
    public String arg(String key, String fallback) {
        return config.unitArgs().getOrDefault(key, fallback);
    }

    /** Adds {@code delta} to the counter {@code key} (shown in status, summed over units). */
    public void count(String key, long delta) {
        counters.computeIfAbsent(key, k -> new LongAdder()).add(delta);
    }

    /** Sets the gauge {@code key} (shown in status per unit). */
    public void gauge(String key, long value) {
        gauges.put(key, value);
    }

    /** The counter {@code key}, 0 when never counted. */
    public long counter(String key) {
        LongAdder a = counters.get(key);
        return a == null ? 0 : a.sum();
    }

    /** All counters, sorted by name. */
    public Map<String, Long> counters() {
        Map<String, Long> out = new TreeMap<>();
        counters.forEach((k, v) -> out.put(k, v.sum()));
        return out;
    }

    /** All gauges, sorted by name. */
    public Map<String, Long> gauges() {
        return new TreeMap<>(gauges);
    }
}

/**
 * A server's state as immutable records: {@link io.wkr.server.status.ServerSnapshot}, read with
 * {@link io.wkr.server.WKRServer#snapshot()}.
 *
 * <p>Every output that reports a server's state is made from one snapshot: the {@code /status}
 * JSON, the {@code SHOW_CONFIG} reply (JSON for Java clients, a pickle for Python clients), the
 * dashboard (which polls {@code /status}) and {@code /metrics}. The wire names follow the
 * components: a component {@code portOut} is the key {@code port_out}; {@link
 * io.wkr.server.status.ServerInfo} and {@link io.wkr.server.status.Settings} sit at the top
 * level of the document, not under a key of their own. A few components are for Java callers and
 * {@code /metrics} only, and say so. docs/protocol.md §9 lists the keys.
 *
 * <p>This package depends on nothing of the server but its configuration, so that the stages
 * can build its records.
 */
package io.wkr.server.status;

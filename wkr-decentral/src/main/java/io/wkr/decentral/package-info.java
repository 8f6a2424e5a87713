/**
 * Decentral mode: pools of units that take work from a shared place (usually Redis) and fan it
 * out over many wkr servers. {@link io.wkr.decentral.WKRDecentralizeCentral} runs {@code
 * num_client} {@link io.wkr.decentral.WKRWorker units} per server, restarts failed ones with
 * backoff and answers control commands; {@link io.wkr.decentral.DecentralConfig} says how. The
 * ready-made Redis job pipeline is in {@link io.wkr.decentral.redis}; see {@code docs/decentral.md}.
 */
package io.wkr.decentral;

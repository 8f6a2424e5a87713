/**
 * Not API: the server's stages (in the sub-packages) and the helpers they share (the server's
 * JSON policy, status encoding, memory budgets). Public only so that the stages can reach each
 * other; they change without notice. Users build on {@link io.wkr.server.WKRServer} and
 * {@link io.wkr.server.WKRHardWorker}.
 */
package io.wkr.server.internal;

/**
 * Not API: what the decentral packages share and users should not build on (the module's JSON
 * policy). Public only so that {@code io.wkr.decentral} and its sub-packages can reach it; it
 * changes without notice.
 */
package io.wkr.decentral.internal;

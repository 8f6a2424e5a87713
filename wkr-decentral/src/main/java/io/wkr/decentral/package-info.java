/**
 * Redis-fed client pools that fan jobs out over many wkr servers. Empty until issue 4 lands: the
 * module exists so the reactor has its final shape.
 */
package io.wkr.decentral;

/** Helpers shared by wkr's modules. Not API: may change without notice. */
package io.wkr.protocol.internal;

/** Server helpers that are not API: admin token, status encoding. */
package io.wkr.server.internal;

/** Server helpers that are not API: admin token, status encoding, memory budgets. */
package io.wkr.server.internal;

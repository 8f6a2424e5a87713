/**
 * The decentral command-line tools: {@code wkr-decentral-start} ({@link
 * io.wkr.decentral.cli.DecentralStart}), {@code wkr-decentral-make} ({@link
 * io.wkr.decentral.cli.DecentralMake}) and the control tools {@code wkr-decentral-status},
 * {@code -idle}, {@code -restart}, {@code -switch}, {@code -terminate} ({@link
 * io.wkr.decentral.cli.DecentralControl}), launched by the scripts in {@code scripts/}. Options
 * are listed in {@code docs/decentral.md}. Exit codes, option parsing, class loading, logging and
 * the run script come from wkr-server's {@code io.wkr.server.cli}, shared with {@code
 * wkr-serving-*}; {@code DecentralCli} adds the unique-prefix abbreviations
 * the original's argparse parsers took, and every spelling of the original's options is accepted
 * (docs/decentral.md, "Old command lines").
 */
package io.wkr.decentral.cli;

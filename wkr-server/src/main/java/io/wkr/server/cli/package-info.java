/**
 * The command-line tools: {@code wkr-serving-start} ({@link io.wkr.server.cli.ServingStart}),
 * {@code wkr-serving-make} ({@link io.wkr.server.cli.ServingMake}) and {@code
 * wkr-serving-terminate} ({@link io.wkr.server.cli.ServingTerminate}). They accept the original
 * wkr-serving's single-dash options, turn them into a {@link io.wkr.server.config.ServerConfig} and are
 * launched by the bash scripts in {@code scripts/}. Options and exit codes are listed in {@code
 * docs/cli.md}. The plumbing ({@link io.wkr.server.cli.Cli}, {@link
 * io.wkr.server.cli.WorkerLoader}, {@link io.wkr.server.cli.LogbackSetup} with {@link
 * io.wkr.server.cli.LoggingOptions}, {@link io.wkr.server.cli.ServingMake#printRunScript} and
 * {@link io.wkr.server.cli.RunScript}) is public because wkr-decentral's commands use it too.
 */
package io.wkr.server.cli;

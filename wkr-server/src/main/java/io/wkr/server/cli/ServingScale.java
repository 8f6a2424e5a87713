package io.wkr.server.cli;

import io.wkr.protocol.AdminToken;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code wkr-serving-scale -http_port H -port_in P -min_worker A -max_worker B}: sets the worker
 * pool's bounds of a running server ({@code PUT /workers}, docs/http.md) with the admin token the
 * server wrote at start ({@code ~/.wkr/run/server-P.token}, or {@code -token_file}); without
 * bounds it only shows them ({@code GET /workers}). Prints the pool's state. Exit codes: 0 done,
 * 1 no token file, no server, or refused, 2 usage error.
 */
@Command(name = "wkr-serving-scale", sortOptions = false, versionProvider = Cli.Version.class, usageHelpWidth = 110,
        description = "Show or set the worker pool's bounds of a running wkr server (PUT /workers with its admin token).")
public final class ServingScale implements Callable<Integer> {

    @Option(names = {"-http_port", "--http-port"}, required = true, paramLabel = "PORT", description = "The server's -http_port.")
    int httpPort;

    @Option(names = {"-ip", "--ip"}, paramLabel = "HOST", defaultValue = "127.0.0.1",
            description = "The server's host. Default: ${DEFAULT-VALUE}.")
    String host;

    @Option(names = {"-port", "-port_in", "--port-in"}, paramLabel = "PORT",
            description = "The server's port_in, which names its default admin token file.")
    Integer portIn;

    @Option(names = {"-token_file", "--token-file"}, paramLabel = "FILE",
            description = "The admin token file the server wrote. Default: server-<port_in>.token in ~/.wkr/run.")
    Path tokenFile;

    @Option(names = {"-http_token_file", "--http-token-file"}, paramLabel = "FILE",
            description = "The bearer token file of a server started with -http_token_file.")
    Path httpTokenFile;

    @Option(names = {"-min_worker", "--min-worker"}, paramLabel = "N", description = "The fewest workers the pool keeps.")
    Integer minWorker;

    @Option(names = {"-max_worker", "--max-worker"}, paramLabel = "N",
            description = "The most workers the pool grows to (at most the server's -num_worker_expanded or -num_worker).")
    Integer maxWorker;

    @Option(names = {"-timeout", "--timeout"}, paramLabel = "MS", defaultValue = "10000",
            description = "How long to wait for the server (ms). Default: ${DEFAULT-VALUE}.")
    int timeoutMillis;

    @Mixin Cli.HelpOptions help = new Cli.HelpOptions();

    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs the command with {@code args} and returns its exit code (never exits). */
    public static int run(String... args) {
        return Cli.run(new ServingScale(), args);
    }

    /** As {@link #run(String...)}, with the command's own output going to {@code out} and {@code err}. */
    static int run(PrintWriter out, PrintWriter err, String... args) {
        return Cli.execute(new ServingScale(), out, err, args);
    }

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        boolean set = minWorker != null || maxWorker != null;
        List<String> query = new ArrayList<>();
        if (minWorker != null) query.add("min_worker=" + minWorker);
        if (maxWorker != null) query.add("max_worker=" + maxWorker);
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + httpPort + "/workers"
                + (query.isEmpty() ? "" : "?" + String.join("&", query)))).timeout(Duration.ofMillis(timeoutMillis));
        try {
            if (httpTokenFile != null) request.header("Authorization", "Bearer " + Files.readString(httpTokenFile).strip());
            if (set) {
                if (tokenFile == null && portIn == null) {
                    err.println("wkr-serving-scale: give -port_in (or -token_file) so the admin token can be found");
                    return Cli.USAGE;
                }
                Path file = tokenFile != null ? tokenFile : AdminToken.defaultFile(portIn);
                request.header("X-Admin-Token", AdminToken.read(file)).PUT(HttpRequest.BodyPublishers.noBody());
            }
        } catch (NoSuchFileException e) {
            err.println("wkr-serving-scale: no token file " + e.getFile() + ": is the server running as this user on "
                    + "this machine? (if it was started with -token_file, give the same -token_file here)");
            return Cli.FAILED;
        } catch (IOException e) {
            err.println("wkr-serving-scale: cannot read a token file: " + e);
            return Cli.FAILED;
        }
        HttpResponse<String> r;
        try {
            r = HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            err.println("wkr-serving-scale: no wkr server answered at " + host + ":" + httpPort + ": " + e.getMessage());
            return Cli.FAILED;
        }
        (r.statusCode() == 200 ? out : err).println(r.statusCode() == 200 ? r.body()
                : "wkr-serving-scale: the server answered " + r.statusCode() + ": " + r.body());
        return r.statusCode() == 200 ? Cli.OK : Cli.FAILED;
    }
}

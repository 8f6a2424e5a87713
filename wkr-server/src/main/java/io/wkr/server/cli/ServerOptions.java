package io.wkr.server.cli;

import io.wkr.protocol.Protocol;
import io.wkr.server.config.ServerConfig;
import io.wkr.server.config.WorkerMode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Stack;
import picocli.CommandLine.IParameterConsumer;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * The options of {@code wkr-serving-start}, shared with {@code wkr-serving-make} as a picocli
 * {@code @Mixin}. Every option of the original's {@code get_args_parser()} is accepted in its
 * single-dash spelling; GNU-style aliases ({@code --port-in}) exist for the common ones. This is
 * the one place where option names map to {@link ServerConfig} fields ({@link #toConfig()}).
 */
public final class ServerOptions {

    @Option(names = {"-port", "-port_in", "-port_data", "--port-in"}, paramLabel = "PORT", defaultValue = "5555",
            description = "Port clients push requests to (server PULL); 0 = ephemeral. Default: ${DEFAULT-VALUE}.")
    int portIn;

    @Option(names = {"-port_out", "-port_result", "--port-out"}, paramLabel = "PORT", defaultValue = "5556",
            description = "Port replies are published on (server PUB); 0 = ephemeral. Default: ${DEFAULT-VALUE}.")
    int portOut;

    @Option(names = {"-ip", "-bind", "--bind"}, paramLabel = "HOST", defaultValue = "*",
            description = "Interface to bind, * for all. Default: ${DEFAULT-VALUE}.")
    String bindHost;

    @Option(names = {"-http_port", "--http-port"}, paramLabel = "PORT",
            description = "HTTP port for status, metrics and the dashboard; none when not given.")
    Integer httpPort;

    @Option(names = {"-grpc_port", "--grpc-port"}, paramLabel = "PORT",
            description = "Port of the Open Inference Protocol's gRPC service (inference.GRPCInferenceService); none when not given.")
    Integer grpcPort;

    @Option(names = {"-num_worker", "--num-worker"}, paramLabel = "N", defaultValue = "1",
            description = "Worker threads, each with its own model instance. Default: ${DEFAULT-VALUE}.")
    int numWorker;

    @Option(names = {"-batch_size", "--batch-size"}, paramLabel = "N", defaultValue = "10",
            description = "Largest batch handed to predict. Default: ${DEFAULT-VALUE}.")
    int batchSize;

    @Option(names = {"-batch_group_timeout", "--batch-group-timeout"}, paramLabel = "MS", defaultValue = "0",
            description = "Longest wait (ms) for more requests after the first of a batch; 0 = take what is "
                    + "queued, never wait. Default: ${DEFAULT-VALUE} (the original: 5).")
    long batchGroupTimeoutMillis;

    @Option(names = {"-device_map", "--device-map"}, paramLabel = "ID", arity = "1..*", defaultValue = "-1",
            parameterConsumer = DeviceIds.class,
            description = "Device per worker (-1 = CPU, k = GPU k), cycled over the workers; space- or "
                    + "comma-separated. Default: ${DEFAULT-VALUE}.")
    List<Integer> deviceMap;

    @Option(names = {"-cpu", "--cpu"}, description = "Run every worker on the CPU, whatever -device_map says.")
    boolean cpu;

    @Option(names = {"-gpu_memory_fraction", "--gpu-memory-fraction"}, paramLabel = "F", defaultValue = "0.2",
            description = "Share of GPU memory a worker may use, passed to the worker. Default: ${DEFAULT-VALUE}.")
    double gpuMemoryFraction;

    @Option(names = {"-model_dir", "--model-dir"}, paramLabel = "DIR", defaultValue = ".",
            description = "Passed to getModel; -tmp_folder is created under it. Default: the working directory.")
    Path modelDir;

    @Option(names = {"-model_name", "--model-name"}, paramLabel = "NAME", description = "Passed to getModel.")
    String modelName;

    @Option(names = {"-tmp_folder", "--tmp-folder"}, paramLabel = "NAME", defaultValue = "tmp_wkr",
            description = "Temp folder under -model_dir, passed to getEnv/getModel. Default: ${DEFAULT-VALUE}.")
    String tmpFolder;

    @Option(names = {"-protocol", "--protocol"}, paramLabel = "obj|numpy", defaultValue = "obj",
            converter = ProtocolConverter.class,
            description = "Payload protocol: numpy (raw arrays) or obj (Kryo for Java clients, "
                    + "pickles read by a restricted reader for Python clients). "
                    + "Default: ${DEFAULT-VALUE}.")
    Protocol protocol;

    @Option(names = {"-max_queue_size", "--max-queue-size"}, paramLabel = "N", defaultValue = "1024",
            description = "Requests waiting for a worker before new ones get OVERLOADED. Default: ${DEFAULT-VALUE}.")
    int maxQueueSize;

    @Option(names = {"-max_request_bytes", "--max-request-bytes"}, paramLabel = "BYTES", defaultValue = "16m",
            converter = ByteSize.class,
            description = "Largest request payload (k/m/g suffixes allowed); larger ones get BAD_REQUEST. "
                    + "Default: ${DEFAULT-VALUE}.")
    int maxRequestBytes;

    @Option(names = {"-max_queue_bytes", "--max-queue-bytes"}, paramLabel = "BYTES", converter = LongByteSize.class,
            description = "Bytes that admitted requests may hold until answered (payloads, HTTP bodies, what decoding "
                    + "allocates); past it new requests get OVERLOADED. Default: 3/8 of the heap.")
    long maxQueueBytes;

    @Option(names = {"-max_reply_bytes", "--max-reply-bytes"}, paramLabel = "BYTES", converter = LongByteSize.class,
            description = "Bytes of replies that may wait for clients that read slowly or not at all; past it their "
                    + "replies are dropped (counted as dropped_replies). Default: 1/8 of the heap.")
    long maxReplyBytes;

    @Option(names = {"-slow_subscriber_timeout", "--slow-subscriber-timeout"}, paramLabel = "S", defaultValue = "10",
            description = "A reply connection that holds unsent replies and takes no byte for this long (s) is closed. "
                    + "Default: ${DEFAULT-VALUE}.")
    long slowSubscriberTimeoutSeconds;

    @Option(names = {"-worker_reload_retries", "--worker-reload-retries"}, paramLabel = "N", defaultValue = "3",
            description = "How often a worker that lost its model tries to load it again (backoff 1, 2, 4 ... s) "
                    + "before giving up; when every worker gave up the server stops with exit status 1. "
                    + "Default: ${DEFAULT-VALUE}.")
    int workerReloadRetries;

    @Option(names = {"-worker_mode", "--worker-mode"}, paramLabel = "MODE", defaultValue = "thread",
            description = "thread: workers are threads of the server's JVM; process: each worker runs in a child JVM that "
                    + "the server watches and replaces when it exits, crashes or hangs. Default: ${DEFAULT-VALUE}.")
    String workerMode;

    @Option(names = {"-num_worker_expanded", "--num-worker-expanded"}, paramLabel = "N", defaultValue = "0",
            description = "The most workers the pool grows to while they stay busy (elastic pool); at most -num_worker "
                    + "(0, the default) keeps it fixed.")
    int numWorkerExpanded;

    @Option(names = {"-device_to_expand", "--device-to-expand"}, paramLabel = "ID", arity = "1..*",
            parameterConsumer = DeviceIds.class,
            description = "Devices (-1 = CPU, k = GPU k) the added workers go to, cycled; default: those of -device_map.")
    List<Integer> deviceToExpand;

    @Option(names = {"-busy_util_threshold", "--busy-util-threshold"}, paramLabel = "F", defaultValue = "0.95",
            description = "Share of time (0 to 1] the workers must be busy for the pool to grow; below it, it shrinks. "
                    + "Default: ${DEFAULT-VALUE}.")
    double busyUtilThreshold;

    @Option(names = {"-duration_expand", "--duration-expand"}, paramLabel = "MS", defaultValue = "300000",
            description = "Window (ms) of high use before one worker is added. Default: ${DEFAULT-VALUE}.")
    long durationExpandMillis;

    @Option(names = {"-duration_squeeze", "--duration-squeeze"}, paramLabel = "MS", defaultValue = "600000",
            description = "Window (ms) of low use before one added worker leaves. Default: ${DEFAULT-VALUE}.")
    long durationSqueezeMillis;

    @Option(names = {"-predict_timeout", "--predict-timeout"}, paramLabel = "MS", defaultValue = "0",
            description = "Process mode: a worker that takes longer than this (ms) over one batch is killed, its batch "
                    + "answered WORKER_FAILED and its process replaced; 0 = no limit. Default: ${DEFAULT-VALUE}.")
    long predictTimeoutMillis;

    @Option(names = {"-request_timeout", "--request-timeout"}, paramLabel = "MS", defaultValue = "0",
            description = "Deadline (ms) for requests that bring none of their own; 0 = none. Default: ${DEFAULT-VALUE}.")
    long requestTimeoutMillis;

    @Option(names = {"-drain_timeout", "--drain-timeout"}, paramLabel = "S", defaultValue = "30",
            description = "How long (s) a shutdown waits for queued and running work. Default: ${DEFAULT-VALUE}.")
    long drainTimeoutSeconds;

    @Option(names = {"-startup_timeout", "--startup-timeout"}, paramLabel = "S", defaultValue = "300",
            description = "How long (s) start-up waits for every worker to load its model. Default: ${DEFAULT-VALUE}.")
    long startupTimeoutSeconds;

    @Option(names = {"-token_file", "--token-file"}, paramLabel = "FILE",
            description = "Where to write the admin token remote TERMINATION needs. "
                    + "Default: server-<port_in>.token in ~/.wkr/run.")
    Path tokenFile;

    @Option(names = {"-http_token_file", "--http-token-file"}, paramLabel = "FILE",
            description = "A file holding the bearer token every HTTP route but /health needs "
                    + "(Authorization: Bearer <token>). Default: no authentication.")
    Path httpTokenFile;

    @Option(names = {"-cors", "--cors"}, paramLabel = "ORIGINS",
            description = "Origins (comma-separated, or *) whose pages may call the HTTP routes. "
                    + "Default: same origin only.")
    String cors;

    @Option(names = {"-http_allowed_hosts", "--http-allowed-hosts"}, paramLabel = "HOSTS",
            description = "Host names (comma-separated) the HTTP server answers to in the Host header; others get 421. "
                    + "Default: any (set it when the port is reachable from browsers: DNS rebinding).")
    String httpAllowedHosts;

    @Option(names = {"-http_allow_form_bodies", "--http-allow-form-bodies"},
            description = "Accept text/plain and form bodies on the data routes (any web page can send those "
                    + "without a CORS preflight). Default: refused with 415.")
    boolean httpAllowFormBodies;

    @Option(names = {"-http_fetch_hosts", "--http-fetch-hosts"}, paramLabel = "HOSTS",
            description = "Hosts (comma-separated) POST /encode_img_url may fetch images from: a name or address "
                    + "exactly (the only way to reach loopback or private addresses), *.domain, or * for any public host. "
                    + "Default: none (the server fetches nothing).")
    String httpFetchHosts;

    @Option(names = {"-cp", "-classpath", "--classpath"}, paramLabel = "PATH",
            description = "Jars and directories holding the worker class and its dependencies, separated by ':'; "
                    + "dir/* stands for every jar in dir.")
    String classpath;

    @Mixin LoggingOptions logging = new LoggingOptions();

    @Mixin LegacyOptions legacy = new LegacyOptions();

    /**
     * The server configuration these options describe.
     *
     * @throws IllegalArgumentException when a value is out of range (the message names it)
     */
    public ServerConfig toConfig() {
        return ServerConfig.builder()
                .bindHost(bindHost)
                .portIn(portIn)
                .portOut(portOut)
                .httpPort(httpPort)
                .grpcPort(grpcPort)
                .numWorker(numWorker)
                .batchSize(batchSize)
                .batchGroupTimeout(millis("-batch_group_timeout", batchGroupTimeoutMillis))
                .deviceMap(deviceMap)
                .cpu(cpu)
                .gpuMemoryFraction(gpuMemoryFraction)
                .modelDir(modelDir)
                .modelName(modelName)
                .tmpFolder(tmpFolder)
                .protocol(protocol)
                .maxQueueSize(maxQueueSize)
                .maxRequestBytes(maxRequestBytes)
                .maxQueueBytes(maxQueueBytes)
                .maxReplyBytes(maxReplyBytes)
                .slowSubscriberTimeout(Duration.ofSeconds(positive("-slow_subscriber_timeout", slowSubscriberTimeoutSeconds)))
                .workerReloadRetries((int) nonNegative("-worker_reload_retries", workerReloadRetries))
                .requestTimeout(millis("-request_timeout", requestTimeoutMillis))
                .workerMode(workerMode(workerMode))
                .predictTimeout(millis("-predict_timeout", predictTimeoutMillis))
                .numWorkerExpanded((int) nonNegative("-num_worker_expanded", numWorkerExpanded))
                .deviceToExpand(deviceToExpand == null ? List.of() : deviceToExpand)
                .busyUtilThreshold(busyUtilThreshold)
                .durationExpand(Duration.ofMillis(positive("-duration_expand", durationExpandMillis)))
                .durationSqueeze(Duration.ofMillis(positive("-duration_squeeze", durationSqueezeMillis)))
                .drainTimeout(Duration.ofSeconds(nonNegative("-drain_timeout", drainTimeoutSeconds)))
                .startupTimeout(Duration.ofSeconds(positive("-startup_timeout", startupTimeoutSeconds)))
                .tokenFile(tokenFile)
                .httpToken(httpToken())
                .corsOrigins(cors == null || cors.isBlank() ? List.of()
                        : Arrays.stream(cors.split(",")).map(String::strip).filter(o -> !o.isEmpty()).toList())
                .httpAllowedHosts(httpAllowedHosts == null || httpAllowedHosts.isBlank() ? List.of()
                        : Arrays.stream(httpAllowedHosts.split(",")).map(String::strip).filter(h -> !h.isEmpty()).toList())
                .httpAllowFormBodies(httpAllowFormBodies)
                .httpFetchHosts(httpFetchHosts == null || httpFetchHosts.isBlank() ? List.of()
                        : Arrays.stream(httpFetchHosts.split(",")).map(String::strip).filter(h -> !h.isEmpty()).toList())
                .build();
    }

    private String httpToken() {
        if (httpTokenFile == null) return null;
        try {
            String token = Files.readString(httpTokenFile, StandardCharsets.UTF_8).strip();
            if (token.isEmpty()) throw new IllegalArgumentException("-http_token_file " + httpTokenFile + " is empty");
            return token;
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read -http_token_file " + httpTokenFile + ": " + e);
        }
    }

    /** The class path given with {@code -cp}, or {@code null}. */
    public String classpath() {
        return classpath;
    }

    public LoggingOptions logging() {
        return logging;
    }

    public LegacyOptions legacy() {
        return legacy;
    }

    private static WorkerMode workerMode(String v) {
        return switch (v.strip().toLowerCase(java.util.Locale.ROOT)) {
            case "thread" -> WorkerMode.THREAD;
            case "process" -> WorkerMode.PROCESS;
            default -> throw new IllegalArgumentException("-worker_mode must be thread or process, got " + v);
        };
    }

    private static Duration millis(String option, long ms) {
        return Duration.ofMillis(nonNegative(option, ms));
    }

    private static long nonNegative(String option, long v) {
        if (v < 0) throw new IllegalArgumentException(option + " < 0: " + v);
        return v;
    }

    private static long positive(String option, long v) {
        if (v <= 0) throw new IllegalArgumentException(option + " must be > 0: " + v);
        return v;
    }

    /**
     * Takes device ids while the next argument is one ({@code 0}, {@code -1}, {@code 0,1}), so
     * {@code -device_map 0 1 io.example.MyWorker} leaves the worker class alone.
     */
    static final class DeviceIds implements IParameterConsumer {
        private static final String IDS = "-?\\d+(,-?\\d+)*";

        @Override
        public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec spec) {
            List<Integer> ids = new ArrayList<>();
            while (!args.isEmpty() && args.peek().matches(IDS)) {
                for (String id : args.pop().split(",")) ids.add(Integer.parseInt(id));
            }
            if (ids.isEmpty()) {
                String next = args.isEmpty() ? "nothing" : "'" + args.peek() + "'";
                String name = argSpec instanceof OptionSpec o ? o.names()[0] : argSpec.paramLabel();
                throw new ParameterException(spec.commandLine(),
                        name + " needs one or more device ids (-1 = CPU, k = GPU k), got " + next);
            }
            argSpec.setValue(ids);
        }
    }

    /** {@code numpy} or {@code obj}, any case. */
    static final class ProtocolConverter implements ITypeConverter<Protocol> {
        @Override
        public Protocol convert(String value) {
            return Protocol.parse(value);
        }
    }

    /** A byte count with an optional {@code k}, {@code m} or {@code g} suffix (powers of 1024). */
    static final class ByteSize implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long bytes = LongByteSize.parse(value);
            if (bytes > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("not in 1.." + Integer.MAX_VALUE + " bytes: " + value);
            }
            return (int) bytes;
        }
    }

    /** As {@link ByteSize}, up to 2^62 bytes (and {@code t} for TiB). */
    static final class LongByteSize implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return parse(value);
        }

        static long parse(String value) {
            String v = value.strip().toLowerCase(Locale.ROOT);
            if (v.endsWith("ib")) v = v.substring(0, v.length() - 2);
            else if (v.endsWith("b")) v = v.substring(0, v.length() - 1);
            long unit = 1;
            if (v.endsWith("k")) unit = 1L << 10;
            else if (v.endsWith("m")) unit = 1L << 20;
            else if (v.endsWith("g")) unit = 1L << 30;
            else if (v.endsWith("t")) unit = 1L << 40;
            if (unit != 1) v = v.substring(0, v.length() - 1);
            long n;
            try {
                n = Long.parseLong(v.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("not a byte count: " + value);
            }
            if (n < 1 || n > (1L << 62) / unit) throw new IllegalArgumentException("not in 1..2^62 bytes: " + value);
            return n * unit;
        }
    }
}

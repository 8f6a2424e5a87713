package io.wkr.server.config;

import io.wkr.protocol.Protocol;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Everything a {@link WKRServer} needs, checked once. Build with {@link #builder()}; the CLI
 * ({@code wkr-serving-start}) fills the same builder from its options. Port {@code 0} binds an
 * ephemeral port that {@link WKRServer#portIn()} and {@link WKRServer#portOut()} read back.
 *
 * @param bindHost interface to bind, {@code *} for all (the original's behaviour)
 * @param portIn port of the PULL socket clients push requests to ({@code -port_in})
 * @param portOut port of the PUB socket replies are published on ({@code -port_out})
 * @param httpPort HTTP port for status and dashboard, {@code null} for none
 * @param numWorker number of worker threads, each with its own model instance
 * @param batchSize largest batch handed to {@code predict}
 * @param batchGroupTimeout longest wait for more requests after the first of a batch; zero
 *     (the default) adds no wait: a free worker takes what is queued
 * @param deviceMap device per worker ({@code -1} = CPU, {@code k} = GPU k), cycled over workers
 * @param cpu force every worker to the CPU
 * @param gpuMemoryFraction share of GPU memory a worker may use (passed to the worker)
 * @param modelDir passed to {@code getModel}; {@code tmpFolder} is created under it
 * @param modelName passed to {@code getModel}
 * @param tmpFolder temp folder name under {@code modelDir}
 * @param protocol payload protocol, {@code numpy} or {@code obj}
 * @param maxQueueSize requests waiting for a worker before new ones are answered {@code
 *     OVERLOADED}
 * @param maxRequestBytes largest payload accepted; larger ones are answered {@code BAD_REQUEST}
 * @param maxQueueBytes bytes that admitted requests may hold until they are answered (payloads,
 *     HTTP bodies and what decoding them allocates); past it new requests are answered {@code
 *     OVERLOADED}. Default: 3/8 of the heap
 * @param maxReplyBytes bytes of replies that may wait for their subscribers (in the sink, in the
 *     connections of clients that read slowly or not at all, and HTTP results being written); past
 *     it workers wait, and replies to clients that do not read are dropped and counted. Default:
 *     1/8 of the heap
 * @param slowSubscriberTimeout how long a reply connection may hold unsent replies without taking
 *     a byte before it is closed (its replies counted as dropped)
 * @param workerReloadRetries how often a worker that lost its model tries to load it again (with
 *     backoff) before it gives up; when every worker has given up the server stops with a failure
 * @param requestTimeout deadline for requests that bring none of their own; zero = none
 * @param drainTimeout how long a shutdown waits for queued and running work
 * @param startupTimeout how long start-up waits for every worker to load its model
 * @param tokenFile where the admin token for remote {@code TERMINATION} is written ({@code
 *     null}: {@code ~/.wkr/run/server-<port_in>.token})
 * @param httpToken bearer token the HTTP routes require (all but {@code /health} and the
 *     dashboard's static files); {@code null}: no authentication
 * @param corsOrigins origins allowed to call the HTTP routes from a browser page of another
 *     origin; empty (the default): same origin only. {@code *} allows any origin
 * @param httpAllowedHosts the names the HTTP server answers to in the {@code Host} header (with or
 *     without a port); empty (the default): any. Guards against DNS rebinding
 * @param httpAllowFormBodies accept {@code text/plain} and form bodies on the data routes (a web
 *     page can send those to any server without asking first); off by default
 * @param httpFetchHosts the hosts {@code POST /encode_img_url} may fetch images from: a name or
 *     address exactly ({@code images.example.com}, {@code 10.0.0.7}; the only way to reach a
 *     loopback or private address), {@code *.example.com} for its subdomains, {@code *} for any
 *     host with public addresses; empty (the default): the server fetches nothing
 * @param grpcPort port of the Open Inference Protocol's gRPC service ({@code
 *     inference.GRPCInferenceService}), {@code null} for none
 * @param workerMode {@code THREAD} (the default): each worker is a thread of the server's JVM;
 *     {@code PROCESS}: each worker runs in a child JVM the server starts, watches and replaces
 * @param predictTimeout in process mode, the longest a worker may take over one batch before its
 *     process is killed, the batch answered {@code WORKER_FAILED} and the process replaced; zero
 *     (the default) for no limit. Ignored in thread mode (a thread cannot be killed safely)
 * @param numWorkerExpanded the most workers the elastic pool grows to while they are busy; at most
 *     {@code numWorker} (the default, 0 on the command line) keeps the pool fixed
 * @param deviceToExpand the devices added workers go to, cycled; empty (the default): those of
 *     {@code deviceMap}
 * @param busyUtilThreshold the share of time (0 to 1) the workers must be busy, on average over
 *     {@code durationExpand}, for the pool to grow by one; below it over {@code durationSqueeze}
 *     the pool shrinks by one
 * @param durationExpand the window of high use before a worker is added (and the least time
 *     between two additions)
 * @param durationSqueeze the window of low use before an added worker leaves (and the least time
 *     between two removals)
 */
public record ServerConfig(
        String bindHost,
        int portIn,
        int portOut,
        Integer httpPort,
        int numWorker,
        int batchSize,
        Duration batchGroupTimeout,
        List<Integer> deviceMap,
        boolean cpu,
        double gpuMemoryFraction,
        Path modelDir,
        String modelName,
        String tmpFolder,
        Protocol protocol,
        int maxQueueSize,
        int maxRequestBytes,
        long maxQueueBytes,
        long maxReplyBytes,
        Duration slowSubscriberTimeout,
        int workerReloadRetries,
        Duration requestTimeout,
        Duration drainTimeout,
        Duration startupTimeout,
        Path tokenFile,
        String httpToken,
        List<String> corsOrigins,
        List<String> httpAllowedHosts,
        boolean httpAllowFormBodies,
        List<String> httpFetchHosts,
        Integer grpcPort,
        WorkerMode workerMode,
        Duration predictTimeout,
        int numWorkerExpanded,
        List<Integer> deviceToExpand,
        double busyUtilThreshold,
        Duration durationExpand,
        Duration durationSqueeze) {

    public ServerConfig {
        Objects.requireNonNull(bindHost, "bindHost == null");
        checkPort("portIn", portIn);
        checkPort("portOut", portOut);
        if (portIn != 0 && portIn == portOut) throw new IllegalArgumentException("portIn == portOut: " + portIn);
        if (httpPort != null) checkPort("httpPort", httpPort);
        if (numWorker < 1) throw new IllegalArgumentException("numWorker < 1: " + numWorker);
        if (batchSize < 1) throw new IllegalArgumentException("batchSize < 1: " + batchSize);
        Objects.requireNonNull(batchGroupTimeout, "batchGroupTimeout == null");
        if (batchGroupTimeout.isNegative()) throw new IllegalArgumentException("batchGroupTimeout < 0: " + batchGroupTimeout);
        deviceMap = List.copyOf(deviceMap);
        if (deviceMap.isEmpty()) throw new IllegalArgumentException("deviceMap is empty");
        for (int d : deviceMap) if (d < -1) throw new IllegalArgumentException("device id < -1: " + d);
        if (!(gpuMemoryFraction > 0 && gpuMemoryFraction <= 1)) {
            throw new IllegalArgumentException("gpuMemoryFraction not in (0, 1]: " + gpuMemoryFraction);
        }
        Objects.requireNonNull(modelDir, "modelDir == null");
        Objects.requireNonNull(tmpFolder, "tmpFolder == null");
        Objects.requireNonNull(protocol, "protocol == null");
        if (maxQueueSize < 1) throw new IllegalArgumentException("maxQueueSize < 1: " + maxQueueSize);
        if (maxRequestBytes < 1) throw new IllegalArgumentException("maxRequestBytes < 1: " + maxRequestBytes);
        if (maxQueueBytes < maxRequestBytes) {
            throw new IllegalArgumentException("maxQueueBytes (" + maxQueueBytes + ") < maxRequestBytes ("
                    + maxRequestBytes + "): a request of the largest size could never be queued");
        }
        if (maxReplyBytes < 1) throw new IllegalArgumentException("maxReplyBytes < 1: " + maxReplyBytes);
        Objects.requireNonNull(slowSubscriberTimeout, "slowSubscriberTimeout == null");
        if (slowSubscriberTimeout.isNegative() || slowSubscriberTimeout.isZero()) {
            throw new IllegalArgumentException("slowSubscriberTimeout must be > 0: " + slowSubscriberTimeout);
        }
        if (workerReloadRetries < 0) throw new IllegalArgumentException("workerReloadRetries < 0: " + workerReloadRetries);
        Objects.requireNonNull(requestTimeout, "requestTimeout == null");
        if (requestTimeout.isNegative()) throw new IllegalArgumentException("requestTimeout < 0: " + requestTimeout);
        Objects.requireNonNull(drainTimeout, "drainTimeout == null");
        if (drainTimeout.isNegative()) throw new IllegalArgumentException("drainTimeout < 0: " + drainTimeout);
        Objects.requireNonNull(startupTimeout, "startupTimeout == null");
        if (startupTimeout.isNegative()) throw new IllegalArgumentException("startupTimeout < 0: " + startupTimeout);
        if (httpToken != null && httpToken.isBlank()) throw new IllegalArgumentException("httpToken is blank");
        corsOrigins = List.copyOf(corsOrigins);
        httpAllowedHosts = List.copyOf(httpAllowedHosts);
        httpFetchHosts = fetchHosts(httpFetchHosts);
        if (grpcPort != null) checkPort("grpcPort", grpcPort);
        Objects.requireNonNull(workerMode, "workerMode == null");
        Objects.requireNonNull(predictTimeout, "predictTimeout == null");
        if (predictTimeout.isNegative()) throw new IllegalArgumentException("predictTimeout < 0: " + predictTimeout);
        if (numWorkerExpanded < 0) throw new IllegalArgumentException("numWorkerExpanded < 0: " + numWorkerExpanded);
        deviceToExpand = List.copyOf(deviceToExpand);
        for (int d : deviceToExpand) if (d < -1) throw new IllegalArgumentException("device id < -1: " + d);
        if (!(busyUtilThreshold > 0 && busyUtilThreshold <= 1)) {
            throw new IllegalArgumentException("busyUtilThreshold not in (0, 1]: " + busyUtilThreshold);
        }
        Objects.requireNonNull(durationExpand, "durationExpand == null");
        Objects.requireNonNull(durationSqueeze, "durationSqueeze == null");
        if (durationExpand.isNegative() || durationExpand.isZero() || durationSqueeze.isNegative() || durationSqueeze.isZero()) {
            throw new IllegalArgumentException("durationExpand and durationSqueeze must be > 0");
        }
        if (grpcPort != null && grpcPort != 0 && (grpcPort == portIn || grpcPort == portOut || grpcPort.equals(httpPort))) {
            throw new IllegalArgumentException("grpcPort " + grpcPort + " is taken by another port of the server");
        }
    }

    private static final java.util.regex.Pattern FETCH_HOST = java.util.regex.Pattern.compile(
            "\\*|(\\*\\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*|[0-9a-f:.]*:[0-9a-f:.]*");

    /** The fetch hosts, lower case, IPv6 literals without brackets; anything else is refused. */
    private static List<String> fetchHosts(List<String> hosts) {
        List<String> out = new ArrayList<>();
        for (String h : Objects.requireNonNull(hosts, "httpFetchHosts == null")) {
            String e = Objects.requireNonNull(h, "httpFetchHosts holds null").strip().toLowerCase(java.util.Locale.ROOT);
            if (e.startsWith("[") && e.endsWith("]")) e = e.substring(1, e.length() - 1);
            if (!FETCH_HOST.matcher(e).matches()) {
                throw new IllegalArgumentException("httpFetchHosts: '" + h + "' is not a host name, an address, "
                        + "*.domain or * (no scheme, port or path)");
            }
            out.add(e);
        }
        return List.copyOf(out);
    }

    /** The default {@code maxQueueBytes} for a heap of {@code heapBytes}: 3/8 of it. */
    public static long defaultMaxQueueBytes(long heapBytes) {
        return heapBytes / 8 * 3;
    }

    /** The default {@code maxReplyBytes} for a heap of {@code heapBytes}: 1/8 of it. */
    public static long defaultMaxReplyBytes(long heapBytes) {
        return heapBytes / 8;
    }

    /** What the server itself needs beside its budgets: 1/8 of the heap, at least 24 MiB. */
    static long baseHeapBytes(long heapBytes) {
        return Math.max(24L << 20, heapBytes / 8);
    }

    /**
     * Checks that the byte limits fit a heap of {@code heapBytes}: both budgets, the request
     * being read off the wire and its copy, and what the server needs for itself.
     *
     * @throws IllegalStateException saying what does not fit, and what to change
     */
    public void checkFitsHeap(long heapBytes) {
        long need = maxQueueBytes + maxReplyBytes + 2L * maxRequestBytes + baseHeapBytes(heapBytes);
        if (need > heapBytes) {
            throw new IllegalStateException("the memory limits do not fit the heap: -max_queue_bytes " + mib(maxQueueBytes)
                    + " + -max_reply_bytes " + mib(maxReplyBytes) + " + 2 x -max_request_bytes " + mib(maxRequestBytes)
                    + " + " + mib(baseHeapBytes(heapBytes)) + " for the server itself = " + mib(need) + " > heap "
                    + mib(heapBytes) + "; lower them or raise the heap (WKR_HEAP, or -Xmx in JAVA_OPTS)");
        }
    }

    private static String mib(long bytes) {
        return String.format(java.util.Locale.ROOT, "%.1f MiB", bytes / 1048576.0);
    }

    /** Like the record's own, with the HTTP token masked: configs are logged. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder("ServerConfig[");
        for (java.lang.reflect.RecordComponent c : ServerConfig.class.getRecordComponents()) {
            Object v;
            try {
                v = c.getAccessor().invoke(this);
            } catch (ReflectiveOperationException e) {
                v = "?";
            }
            if (c.getName().equals("httpToken") && v != null) v = "***";
            if (b.length() > 13) b.append(", ");
            b.append(c.getName()).append('=').append(v);
        }
        return b.append(']').toString();
    }

    private static void checkPort(String name, int port) {
        if (port < 0 || port > 65535) throw new IllegalArgumentException(name + " not in 0..65535: " + port);
    }

    /** The device each worker gets: {@code deviceMap} cycled and cut to {@code numWorker}. */
    public List<Integer> effectiveDeviceMap() {
        List<Integer> out = new ArrayList<>(numWorker);
        for (int i = 0; i < numWorker; i++) out.add(cpu ? -1 : deviceMap.get(i % deviceMap.size()));
        return out;
    }

    /** The most workers the pool may have: {@code numWorkerExpanded} when it is larger, else {@code numWorker}. */
    public int maxWorkers() {
        return Math.max(numWorker, numWorkerExpanded);
    }

    /** The device of worker {@code id}: the device map for the first {@code numWorker}, then {@code deviceToExpand}. */
    public int deviceOf(int id) {
        if (cpu) return -1;
        if (id < numWorker || deviceToExpand.isEmpty()) return deviceMap.get(id % deviceMap.size());
        return deviceToExpand.get((id - numWorker) % deviceToExpand.size());
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        return new Builder(this);
    }

    /** Builder with the original's defaults where they make sense. */
    public static final class Builder {
        private String bindHost = "*";
        private int portIn;
        private int portOut;
        private Integer httpPort;
        private int numWorker = 1;
        private int batchSize = 10;
        private Duration batchGroupTimeout = Duration.ZERO;
        private List<Integer> deviceMap = List.of(-1);
        private boolean cpu;
        private double gpuMemoryFraction = 0.2;
        private Path modelDir = Path.of(".");
        private String modelName;
        private String tmpFolder = "tmp_wkr";
        private Protocol protocol = Protocol.OBJ;
        private int maxQueueSize = 1024;
        private int maxRequestBytes = 16 << 20;
        private long maxQueueBytes;
        private long maxReplyBytes;
        private Duration slowSubscriberTimeout = Duration.ofSeconds(10);
        private int workerReloadRetries = 3;
        private Duration requestTimeout = Duration.ZERO;
        private Duration drainTimeout = Duration.ofSeconds(30);
        private Duration startupTimeout = Duration.ofMinutes(5);
        private Path tokenFile;
        private String httpToken;
        private List<String> corsOrigins = List.of();
        private List<String> httpAllowedHosts = List.of();
        private boolean httpAllowFormBodies;
        private List<String> httpFetchHosts = List.of();
        private Integer grpcPort;
        private WorkerMode workerMode = WorkerMode.THREAD;
        private Duration predictTimeout = Duration.ZERO;
        private int numWorkerExpanded;
        private List<Integer> deviceToExpand = List.of();
        private double busyUtilThreshold = 0.95;
        private Duration durationExpand = Duration.ofMinutes(5);
        private Duration durationSqueeze = Duration.ofMinutes(10);

        Builder() {}

        Builder(ServerConfig c) {
            bindHost = c.bindHost;
            portIn = c.portIn;
            portOut = c.portOut;
            httpPort = c.httpPort;
            numWorker = c.numWorker;
            batchSize = c.batchSize;
            batchGroupTimeout = c.batchGroupTimeout;
            deviceMap = c.deviceMap;
            cpu = c.cpu;
            gpuMemoryFraction = c.gpuMemoryFraction;
            modelDir = c.modelDir;
            modelName = c.modelName;
            tmpFolder = c.tmpFolder;
            protocol = c.protocol;
            maxQueueSize = c.maxQueueSize;
            maxRequestBytes = c.maxRequestBytes;
            maxQueueBytes = c.maxQueueBytes;
            maxReplyBytes = c.maxReplyBytes;
            slowSubscriberTimeout = c.slowSubscriberTimeout;
            workerReloadRetries = c.workerReloadRetries;
            requestTimeout = c.requestTimeout;
            drainTimeout = c.drainTimeout;
            startupTimeout = c.startupTimeout;
            tokenFile = c.tokenFile;
            httpToken = c.httpToken;
            corsOrigins = c.corsOrigins;
            httpAllowedHosts = c.httpAllowedHosts;
            httpAllowFormBodies = c.httpAllowFormBodies;
            httpFetchHosts = c.httpFetchHosts;
            grpcPort = c.grpcPort;
            workerMode = c.workerMode;
            predictTimeout = c.predictTimeout;
            numWorkerExpanded = c.numWorkerExpanded;
            deviceToExpand = c.deviceToExpand;
            busyUtilThreshold = c.busyUtilThreshold;
            durationExpand = c.durationExpand;
            durationSqueeze = c.durationSqueeze;
        }

        public Builder bindHost(String v) { bindHost = v; return this; }
        public Builder portIn(int v) { portIn = v; return this; }
        public Builder portOut(int v) { portOut = v; return this; }
        public Builder httpPort(Integer v) { httpPort = v; return this; }
        public Builder numWorker(int v) { numWorker = v; return this; }
        public Builder batchSize(int v) { batchSize = v; return this; }
        public Builder batchGroupTimeout(Duration v) { batchGroupTimeout = v; return this; }
        public Builder deviceMap(List<Integer> v) { deviceMap = v; return this; }
        public Builder cpu(boolean v) { cpu = v; return this; }
        public Builder gpuMemoryFraction(double v) { gpuMemoryFraction = v; return this; }
        public Builder modelDir(Path v) { modelDir = v; return this; }
        public Builder modelName(String v) { modelName = v; return this; }
        public Builder tmpFolder(String v) { tmpFolder = v; return this; }
        public Builder protocol(Protocol v) { protocol = v; return this; }
        public Builder maxQueueSize(int v) { maxQueueSize = v; return this; }
        public Builder maxRequestBytes(int v) { maxRequestBytes = v; return this; }
        /** 0 (the default): 3/8 of this JVM's heap. */
        public Builder maxQueueBytes(long v) { maxQueueBytes = v; return this; }
        /** 0 (the default): 1/8 of this JVM's heap. */
        public Builder maxReplyBytes(long v) { maxReplyBytes = v; return this; }
        public Builder slowSubscriberTimeout(Duration v) { slowSubscriberTimeout = v; return this; }
        public Builder workerReloadRetries(int v) { workerReloadRetries = v; return this; }
        public Builder requestTimeout(Duration v) { requestTimeout = v; return this; }
        public Builder drainTimeout(Duration v) { drainTimeout = v; return this; }
        public Builder startupTimeout(Duration v) { startupTimeout = v; return this; }
        public Builder tokenFile(Path v) { tokenFile = v; return this; }
        public Builder httpToken(String v) { httpToken = v; return this; }
        public Builder corsOrigins(List<String> v) { corsOrigins = v; return this; }
        public Builder httpAllowedHosts(List<String> v) { httpAllowedHosts = v; return this; }
        public Builder httpAllowFormBodies(boolean v) { httpAllowFormBodies = v; return this; }
        public Builder httpFetchHosts(List<String> v) { httpFetchHosts = v; return this; }
        public Builder grpcPort(Integer v) { grpcPort = v; return this; }
        public Builder workerMode(WorkerMode v) { workerMode = v; return this; }
        public Builder predictTimeout(Duration v) { predictTimeout = v; return this; }
        public Builder numWorkerExpanded(int v) { numWorkerExpanded = v; return this; }
        public Builder deviceToExpand(List<Integer> v) { deviceToExpand = v; return this; }
        public Builder busyUtilThreshold(double v) { busyUtilThreshold = v; return this; }
        public Builder durationExpand(Duration v) { durationExpand = v; return this; }
        public Builder durationSqueeze(Duration v) { durationSqueeze = v; return this; }

        public ServerConfig build() {
            long heap = Runtime.getRuntime().maxMemory();
            return new ServerConfig(bindHost, portIn, portOut, httpPort, numWorker, batchSize, batchGroupTimeout,
                    deviceMap, cpu, gpuMemoryFraction, modelDir, modelName, tmpFolder, protocol, maxQueueSize,
                    maxRequestBytes, maxQueueBytes > 0 ? maxQueueBytes : defaultMaxQueueBytes(heap),
                    maxReplyBytes > 0 ? maxReplyBytes : defaultMaxReplyBytes(heap), slowSubscriberTimeout,
                    workerReloadRetries, requestTimeout, drainTimeout, startupTimeout, tokenFile, httpToken,
                    corsOrigins, httpAllowedHosts, httpAllowFormBodies, httpFetchHosts, grpcPort, workerMode,
                    predictTimeout, numWorkerExpanded, deviceToExpand, busyUtilThreshold, durationExpand, durationSqueeze);
        }
    }
}

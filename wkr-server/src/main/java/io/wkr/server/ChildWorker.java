package io.wkr.server;

import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.KryoCodec;
import io.wkr.protocol.Protocol;
import io.wkr.server.config.ServerConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.zeromq.SocketType;
import org.zeromq.ZContext;
import org.zeromq.ZMQ;

/**
 * The main class of a worker process ({@code -worker_mode process}, started by {@link
 * ProcessHost}): makes the worker with its public no-argument constructor, loads the model as a
 * thread-mode worker does, tells the server it is ready, then runs the batches the server sends
 * until told to stop. It ends at once when its standard input reaches its end: the server holds
 * the other end, so the child never outlives the server, however the server ends.
 *
 * <p>Messages are two frames, a kind and a body: server to child {@code predict} (the inputs as
 * Kryo) and {@code stop}; child to server {@code ready}, {@code load_failed} (why), {@code
 * result} (the outputs as Kryo), {@code error} (the model threw an exception: the batch fails, the
 * child goes on) and {@code fatal} (the model threw an {@code Error}: the child exits).
 */
final class ChildWorker {
    static final String READY = "ready";
    static final String LOAD_FAILED = "load_failed";
    static final String PREDICT = "predict";
    static final String RESULT = "result";
    static final String ERROR = "error";
    static final String FATAL = "fatal";
    static final String STOP = "stop";

    private ChildWorker() {}

    public static void main(String[] args) {
        Thread tie = new Thread(() -> {
            try {
                while (System.in.read() >= 0) {
                    // nothing is sent on it; it only ends
                }
            } catch (IOException e) {
                // as closed
            }
            Runtime.getRuntime().halt(0); // the server is gone
        }, "wkr-parent-watch");
        tie.setDaemon(true);
        tie.start();

        String endpoint = args[0];
        int workerId = Integer.parseInt(args[2]);
        ServerConfig config = ServerConfig.builder()
                .modelDir(Path.of(args[5]))
                .modelName(args[6].isEmpty() ? null : args[6])
                .tmpFolder(args[7])
                .protocol(Protocol.parse(args[8]))
                .batchSize(Integer.parseInt(args[9]))
                .numWorker(Integer.parseInt(args[10]))
                .gpuMemoryFraction(Double.parseDouble(args[11]))
                .cpu(Boolean.parseBoolean(args[12]))
                .build();
        WorkerContext context = new WorkerContext(workerId, Integer.parseInt(args[3]), config, Path.of(args[4]), stats -> {});
        try (ZContext zmq = new ZContext(1)) {
            ZMQ.Socket socket = zmq.createSocket(SocketType.PAIR);
            socket.setLinger(1000);
            socket.connect(endpoint);
            ThreadHost host;
            KryoCodec codec;
            try {
                @SuppressWarnings("unchecked")
                WKRHardWorker<Object, Object, Object> worker = (WKRHardWorker<Object, Object, Object>)
                        Class.forName(args[1]).getDeclaredConstructor().newInstance();
                codec = new KryoCodec(worker.objClasses());
                host = ThreadHost.load(worker, context);
            } catch (Throwable t) {
                send(socket, LOAD_FAILED, String.valueOf(t).getBytes(StandardCharsets.UTF_8));
                zmq.close();
                Runtime.getRuntime().halt(1);
                return;
            }
            send(socket, READY, new byte[0]);
            serve(socket, codec, host);
        }
        System.exit(0);
    }

    private static void serve(ZMQ.Socket socket, KryoCodec codec, ThreadHost host) {
        Map<String, Object> info = Map.of("codec", "kryo");
        while (true) {
            String kind = socket.recvStr(0);
            byte[] body = socket.hasReceiveMore() ? socket.recv(0) : new byte[0];
            if (kind == null || kind.equals(STOP)) {
                host.close();
                return;
            }
            if (!kind.equals(PREDICT)) continue;
            byte[] answer;
            String answerKind = RESULT;
            try {
                @SuppressWarnings("unchecked")
                List<Object> inputs = (List<Object>) codec.decode(body, info, DecodeBudget.UNLIMITED);
                List<Object> outputs = host.predict(inputs);
                try {
                    answer = codec.encode(outputs == null ? null : new java.util.ArrayList<>(outputs), 0).payload();
                } catch (IllegalArgumentException e) {
                    answerKind = ERROR;
                    answer = ("the outputs cannot be sent to the server: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
                }
            } catch (Exception e) {
                answerKind = ERROR;
                answer = (e.getClass().getSimpleName() + ": " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
            } catch (Error e) {
                send(socket, FATAL, String.valueOf(e).getBytes(StandardCharsets.UTF_8));
                try {
                    Thread.sleep(200); // lets the message leave before the process does
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                }
                Runtime.getRuntime().halt(2);
                return;
            }
            send(socket, answerKind, answer);
        }
    }

    private static void send(ZMQ.Socket socket, String kind, byte[] body) {
        socket.sendMore(kind);
        socket.send(body, 0);
    }
}

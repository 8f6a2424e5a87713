package io.wkr.server;

import io.wkr.protocol.DecodeBudget;
import io.wkr.protocol.KryoCodec;
import io.wkr.protocol.Protocol;
import io.wkr.server.config.ServerConfig;
import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The main class of a worker process ({@code -worker_mode process}, started by {@link
 * ProcessHost}): makes the worker with its public no-argument constructor, loads the model as a
 * thread-mode worker does, tells the server it is ready, then runs the batches the server sends
 * until told to stop. It ends at once when its standard input reaches its end: the server holds
 * the other end, so the child never outlives the server, however the server ends.
 *
 * <p>It connects to the server's Unix domain socket ({@link ChildChannel}): server to child {@code
 * PREDICT} (the inputs as Kryo) and {@code STOP}; child to server {@code READY}, {@code
 * LOAD_FAILED} (why), {@code RESULT} (the outputs as Kryo), {@code ERROR} (the model threw an
 * exception: the batch fails, the child goes on) and {@code FATAL} (the model threw an {@code
 * Error}: the child exits).
 */
final class ChildWorker {
    private ChildWorker() {}

    public static void main(String[] args) throws IOException {
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
        List<Map<String, Object>> recorded = new ArrayList<>(); // sent to the server with the next answer
        WorkerContext context = new WorkerContext(workerId, Integer.parseInt(args[3]), config, Path.of(args[4]), stats -> {
            synchronized (recorded) {
                recorded.add(new java.util.LinkedHashMap<>(stats));
            }
        });
        SocketChannel socket = SocketChannel.open(StandardProtocolFamily.UNIX);
        socket.connect(UnixDomainSocketAddress.of(args[0]));
        try (ChildChannel channel = new ChildChannel(socket, Integer.MAX_VALUE)) { // the server's frames: its own batches
            ThreadHost host;
            KryoCodec codec;
            try {
                @SuppressWarnings("unchecked")
                WKRHardWorker<Object, Object, Object> worker = (WKRHardWorker<Object, Object, Object>)
                        Class.forName(args[1]).getDeclaredConstructor().newInstance();
                codec = new KryoCodec(worker.objClasses());
                host = ThreadHost.load(worker, context);
            } catch (Throwable t) {
                channel.send(ChildChannel.LOAD_FAILED, String.valueOf(t).getBytes(StandardCharsets.UTF_8));
                Runtime.getRuntime().halt(1);
                return;
            }
            sendStatistics(channel, codec, recorded);
            channel.send(ChildChannel.READY, new byte[0]);
            serve(channel, codec, host, recorded);
        }
        System.exit(0);
    }

    /** Sends what the model recorded since the last answer, if anything. */
    private static void sendStatistics(ChildChannel channel, KryoCodec codec, List<Map<String, Object>> recorded)
            throws IOException {
        List<Map<String, Object>> batch;
        synchronized (recorded) {
            if (recorded.isEmpty()) return;
            batch = new ArrayList<>(recorded);
            recorded.clear();
        }
        try {
            channel.send(ChildChannel.STATISTICS, codec.encode(batch, 0).payload());
        } catch (IllegalArgumentException e) {
            // a value Kryo cannot carry: those statistics are lost, the answer is not
        }
    }

    private static void serve(ChildChannel channel, KryoCodec codec, ThreadHost host, List<Map<String, Object>> recorded)
            throws IOException {
        Map<String, Object> info = Map.of("codec", "kryo");
        while (true) {
            ChildChannel.Frame frame;
            try {
                frame = channel.read();
            } catch (EOFException e) {
                frame = new ChildChannel.Frame(ChildChannel.STOP, new byte[0]);
            }
            if (frame.kind() == ChildChannel.STOP) {
                host.close();
                return;
            }
            if (frame.kind() != ChildChannel.PREDICT) continue;
            byte[] answer;
            byte answerKind = ChildChannel.RESULT;
            try {
                @SuppressWarnings("unchecked")
                List<Object> inputs = (List<Object>) codec.decode(frame.body(), info, DecodeBudget.UNLIMITED);
                List<Object> outputs = host.predict(inputs);
                try {
                    answer = codec.encode(outputs == null ? null : new ArrayList<>(outputs), 0).payload();
                } catch (IllegalArgumentException e) {
                    answerKind = ChildChannel.ERROR;
                    answer = ("the outputs cannot be sent to the server: " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
                }
            } catch (Exception e) {
                answerKind = ChildChannel.ERROR;
                answer = (e.getClass().getSimpleName() + ": " + e.getMessage()).getBytes(StandardCharsets.UTF_8);
            } catch (Error e) {
                sendStatistics(channel, codec, recorded);
                channel.send(ChildChannel.FATAL, String.valueOf(e).getBytes(StandardCharsets.UTF_8));
                Runtime.getRuntime().halt(2);
                return;
            }
            sendStatistics(channel, codec, recorded);
            channel.send(answerKind, answer);
        }
    }
}

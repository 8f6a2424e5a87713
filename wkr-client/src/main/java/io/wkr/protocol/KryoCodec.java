package io.wkr.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The {@code obj} protocol: Kryo with class registration required. Only the built-in types below
 * and the classes given to the constructor (in that order, on both sides) can travel; bytes
 * naming any other class are a {@link BadRequestException}, never an instantiation. Python
 * pickles are refused.
 *
 * <p>Built in: {@code String}, boxed primitives, {@code byte[] short[] int[] long[] float[]
 * double[] boolean[] String[] Object[]}, {@code ArrayList}, {@code HashMap}, {@code
 * LinkedHashMap}, the JDK's immutable lists and maps, and {@link Tensor}. String, array and
 * collection lengths are checked against the bytes actually present before anything is
 * allocated, and class names in the bytes are refused (only registered ids are read).
 */
public final class KryoCodec implements PayloadCodec {
    private static final byte[] INFO = Wire.ascii("{\"codec\":\"kryo\"}");
    private static final int FIRST_USER_ID = 100;

    private final List<Class<?>> userClasses;
    private final ThreadLocal<Kryo> kryo;
    private final ThreadLocal<Output> output = ThreadLocal.withInitial(() -> new Output(256, -1));

    public KryoCodec(List<Class<?>> userClasses) {
        this.userClasses = List.copyOf(userClasses);
        this.kryo = ThreadLocal.withInitial(this::newKryo);
    }

    /** The user classes this codec was built with, in registration order. */
    public List<Class<?>> userClasses() {
        return userClasses;
    }

    private Kryo newKryo() {
        Kryo k = new Kryo(new IdOnlyClassResolver(), null);
        k.setRegistrationRequired(true);
        k.register(String.class, new StringSerializer());
        k.setReferences(false);
        k.setInstantiatorStrategy(new com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        int id = 20;
        k.register(byte[].class, new ArraySerializer<byte[]>(1, Input::readBytes, (o, a) -> o.writeBytes(a), a -> a.length), id++);
        k.register(short[].class, new ArraySerializer<short[]>(2, Input::readShorts, (o, a) -> o.writeShorts(a, 0, a.length), a -> a.length), id++);
        k.register(int[].class, new ArraySerializer<int[]>(4, Input::readInts, (o, a) -> o.writeInts(a, 0, a.length), a -> a.length), id++);
        k.register(long[].class, new ArraySerializer<long[]>(8, Input::readLongs, (o, a) -> o.writeLongs(a, 0, a.length), a -> a.length), id++);
        k.register(float[].class, new ArraySerializer<float[]>(4, Input::readFloats, (o, a) -> o.writeFloats(a, 0, a.length), a -> a.length), id++);
        k.register(double[].class, new ArraySerializer<double[]>(8, Input::readDoubles, (o, a) -> o.writeDoubles(a, 0, a.length), a -> a.length), id++);
        k.register(boolean[].class, new ArraySerializer<boolean[]>(1, Input::readBooleans, (o, a) -> o.writeBooleans(a, 0, a.length), a -> a.length), id++);
        k.register(String[].class, new ObjectArraySerializer<>(String[]::new), id++);
        k.register(Object[].class, new ObjectArraySerializer<>(Object[]::new), id++);
        k.register(ArrayList.class, new BoundedCollectionSerializer(), id++);
        k.register(HashMap.class, new BoundedMapSerializer(), id++);
        k.register(LinkedHashMap.class, new BoundedMapSerializer(), id++);
        k.register(Tensor.class, new TensorSerializer(), id++);
        // Immutable JDK collections (List.of, Map.of, Set.of, Arrays.asList, ...) travel as their
        // contents and are rebuilt as unmodifiable collections.
        for (Object c : List.of(List.of(), List.of(1), Arrays.asList(1), Collections.emptyList(),
                Collections.singletonList(1), Collections.unmodifiableList(new ArrayList<>()))) {
            k.register(c.getClass(), new ImmutableListSerializer(), id++);
        }
        for (Object c : List.of(Map.of(), Map.of(1, 1), Collections.emptyMap(), Collections.singletonMap(1, 1),
                Collections.unmodifiableMap(new HashMap<>()))) {
            k.register(c.getClass(), new ImmutableMapSerializer(), id++);
        }
        id = FIRST_USER_ID;
        for (Class<?> c : userClasses) k.register(c, id++);
        return k;
    }

    @Override
    public Protocol protocol() {
        return Protocol.OBJ;
    }

    @Override
    public Object decode(byte[] payload, Map<String, Object> info) {
        if (!"kryo".equals(info.get("codec"))) {
            if (info.containsKey("protocol") || (payload.length > 1 && (payload[0] & 0xff) == 0x80)) {
                throw new BadRequestException("Python pickle payloads are refused: wkr never unpickles network data; "
                        + "send with -protocol numpy, or use a Java client with the obj (Kryo) protocol");
            }
            throw new BadRequestException("obj protocol: info must be {\"codec\":\"kryo\"}, got " + info);
        }
        try (Input in = new Input(payload)) {
            Object v = kryo.get().readClassAndObject(in);
            if (in.position() != payload.length) {
                throw new BadRequestException("obj protocol: " + (payload.length - in.position()) + " trailing bytes");
            }
            return v;
        } catch (KryoException | IllegalArgumentException | IndexOutOfBoundsException | NegativeArraySizeException e) {
            throw new BadRequestException("obj protocol: cannot decode payload: " + firstLine(e.getMessage()), e);
        } catch (StackOverflowError e) {
            throw new BadRequestException("obj protocol: cannot decode payload: nested too deeply");
        }
    }

    private static String firstLine(String s) {
        if (s == null) return "malformed data";
        int nl = s.indexOf('\n');
        return nl < 0 ? s : s.substring(0, nl);
    }

    @Override
    public Encoded encode(Object value, long timeoutMillis) {
        Output out = output.get();
        out.reset();
        try {
            kryo.get().writeClassAndObject(out, value);
        } catch (KryoException | IllegalArgumentException e) {
            throw new IllegalArgumentException("obj protocol cannot encode " + value.getClass().getName()
                    + " (register it with the worker's and the client's obj classes): " + firstLine(e.getMessage()), e);
        }
        byte[] info = INFO;
        if (timeoutMillis > 0) {
            info = Wire.ascii("{\"codec\":\"kryo\",\"" + Wire.INFO_TIMEOUT_MS + "\":" + timeoutMillis + "}");
        }
        return new Encoded(out.toBytes(), info);
    }

    private static int remaining(Input in) {
        return in.limit() - in.position();
    }

    private static void checkLength(Input in, long length, int minBytesPerElement) {
        if (length < 0 || length * minBytesPerElement > remaining(in)) {
            throw new KryoException("length " + length + " exceeds the " + remaining(in) + " bytes left");
        }
    }

    private interface Reader<A> {
        A read(Input in, int length);
    }

    private interface Writer<A> {
        void write(Output out, A array);
    }

    private interface Length<A> {
        int of(A array);
    }

    /** Primitive arrays whose length is checked before the array is allocated. */
    private static final class ArraySerializer<A> extends Serializer<A> {
        private final int elementBytes;
        private final Reader<A> reader;
        private final Writer<A> writer;
        private final Length<A> length;

        ArraySerializer(int elementBytes, Reader<A> reader, Writer<A> writer, Length<A> length) {
            super(true);
            this.elementBytes = elementBytes;
            this.reader = reader;
            this.writer = writer;
            this.length = length;
        }

        @Override
        public void write(Kryo kryo, Output out, A array) {
            if (array == null) {
                out.writeVarInt(0, true);
                return;
            }
            out.writeVarInt(length.of(array) + 1, true);
            writer.write(out, array);
        }

        @Override
        public A read(Kryo kryo, Input in, Class<? extends A> type) {
            int n = in.readVarInt(true);
            if (n == 0) return null;
            checkLength(in, n - 1L, elementBytes);
            return reader.read(in, n - 1);
        }
    }

    private static final class BoundedCollectionSerializer extends CollectionSerializer<Collection<Object>> {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        protected Collection<Object> create(Kryo kryo, Input input, Class type, int size) {
            checkLength(input, size, 1);
            return new ArrayList<>(size);
        }
    }

    private static final class BoundedMapSerializer extends MapSerializer<Map<Object, Object>> {
        @Override
        @SuppressWarnings({"unchecked", "rawtypes"})
        protected Map<Object, Object> create(Kryo kryo, Input input, Class type, int size) {
            checkLength(input, size, 2);
            return type == LinkedHashMap.class ? new LinkedHashMap<>() : new HashMap<>();
        }
    }

    /** Refuses classes named in the bytes: only registered ids are read, no class is ever looked up. */
    private static final class IdOnlyClassResolver extends DefaultClassResolver {
        @Override
        protected Registration readName(Input input) {
            throw new KryoException("classes named in the payload are refused; only registered class ids are accepted");
        }
    }

    /** UTF-8 strings whose length is checked against the bytes present before anything is allocated. */
    private static final class StringSerializer extends Serializer<String> {
        StringSerializer() {
            super(true, true);
        }

        @Override
        public void write(Kryo kryo, Output out, String s) {
            if (s == null) {
                out.writeVarInt(0, true);
                return;
            }
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            out.writeVarInt(b.length + 1, true);
            out.writeBytes(b);
        }

        @Override
        public String read(Kryo kryo, Input in, Class<? extends String> type) {
            int n = in.readVarInt(true);
            if (n == 0) return null;
            checkLength(in, n - 1L, 1);
            return new String(in.readBytes(n - 1), StandardCharsets.UTF_8);
        }
    }

    /** Arrays of objects (each written with its class), length-checked like the others. */
    private static final class ObjectArraySerializer<T> extends Serializer<T[]> {
        private final java.util.function.IntFunction<T[]> create;

        ObjectArraySerializer(java.util.function.IntFunction<T[]> create) {
            super(true);
            this.create = create;
        }

        @Override
        public void write(Kryo kryo, Output out, T[] array) {
            if (array == null) {
                out.writeVarInt(0, true);
                return;
            }
            out.writeVarInt(array.length + 1, true);
            for (T t : array) kryo.writeClassAndObject(out, t);
        }

        @Override
        @SuppressWarnings("unchecked")
        public T[] read(Kryo kryo, Input in, Class<? extends T[]> type) {
            int n = in.readVarInt(true);
            if (n == 0) return null;
            checkLength(in, n - 1L, 1);
            T[] out = create.apply(n - 1);
            for (int i = 0; i < out.length; i++) out[i] = (T) kryo.readClassAndObject(in);
            return out;
        }
    }

    private static final class ImmutableListSerializer extends Serializer<List<Object>> {
        ImmutableListSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output out, List<Object> list) {
            out.writeVarInt(list.size(), true);
            for (Object o : list) kryo.writeClassAndObject(out, o);
        }

        @Override
        public List<Object> read(Kryo kryo, Input in, Class<? extends List<Object>> type) {
            int n = in.readVarInt(true);
            checkLength(in, n, 1);
            List<Object> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) out.add(kryo.readClassAndObject(in));
            return Collections.unmodifiableList(out);
        }
    }

    private static final class ImmutableMapSerializer extends Serializer<Map<Object, Object>> {
        ImmutableMapSerializer() {
            super(false, true);
        }

        @Override
        public void write(Kryo kryo, Output out, Map<Object, Object> map) {
            out.writeVarInt(map.size(), true);
            for (Map.Entry<Object, Object> e : map.entrySet()) {
                kryo.writeClassAndObject(out, e.getKey());
                kryo.writeClassAndObject(out, e.getValue());
            }
        }

        @Override
        public Map<Object, Object> read(Kryo kryo, Input in, Class<? extends Map<Object, Object>> type) {
            int n = in.readVarInt(true);
            checkLength(in, n, 2);
            Map<Object, Object> out = new LinkedHashMap<>();
            for (int i = 0; i < n; i++) out.put(kryo.readClassAndObject(in), kryo.readClassAndObject(in));
            return Collections.unmodifiableMap(out);
        }
    }

    private static final class TensorSerializer extends Serializer<Tensor> {
        @Override
        public void write(Kryo kryo, Output out, Tensor t) {
            out.writeVarInt(t.dtype().ordinal(), true);
            int[] shape = t.shape();
            out.writeVarInt(shape.length, true);
            for (int d : shape) out.writeVarInt(d, true);
            out.writeVarInt(t.bytes().length, true);
            out.writeBytes(t.bytes());
        }

        @Override
        public Tensor read(Kryo kryo, Input in, Class<? extends Tensor> type) {
            int ordinal = in.readVarInt(true);
            if (ordinal >= DType.values().length) throw new KryoException("bad tensor dtype " + ordinal);
            int rank = in.readVarInt(true);
            checkLength(in, rank, 1);
            int[] shape = new int[rank];
            for (int k = 0; k < rank; k++) shape[k] = in.readVarInt(true);
            int n = in.readVarInt(true);
            checkLength(in, n, 1);
            return Tensor.wrap(DType.values()[ordinal], shape, in.readBytes(n));
        }
    }
}

package io.wkr.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.serializers.CollectionSerializer;
import com.esotericsoftware.kryo.serializers.ImmutableSerializer;
import com.esotericsoftware.kryo.serializers.MapSerializer;
import com.esotericsoftware.kryo.util.DefaultClassResolver;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The serializers behind {@link KryoCodec}. They write what Kryo's own serializers write; when
 * reading they check every length and count against the bytes present and the decode's {@link
 * DecodeLimits}, read varints with range checks ({@link Varints}), check the nesting depth at
 * every container and object, and charge the decode's {@link DecodeMeter} before they allocate.
 */
final class KryoSerializers {
    private KryoSerializers() {}

    /** A thread's Kryo, with the meter of the decode it is running (null while encoding). */
    static final class MeteredKryo extends Kryo {
        DecodeMeter meter;

        MeteredKryo() {
            super(new IdOnlyClassResolver(), null);
        }
    }

    private static DecodeMeter meter(Kryo kryo) {
        DecodeMeter m = ((MeteredKryo) kryo).meter;
        if (m == null) throw new IllegalStateException("Kryo read outside KryoCodec.decode");
        return m;
    }

    /** The meter, after checking the depth of the container or object about to be read. */
    private static DecodeMeter enter(Kryo kryo) {
        DecodeMeter m = meter(kryo);
        m.depth(kryo.getDepth());
        return m;
    }

    private static int remaining(Input in) {
        return in.limit() - in.position();
    }

    /** Refuses a length that needs more bytes than are left. */
    private static void checkLength(Input in, long length, int minBytesPerElement) {
        if (length < 0 || length * minBytesPerElement > remaining(in)) {
            throw new KryoException("length " + length + " exceeds the " + remaining(in) + " bytes left");
        }
    }

    /**
     * Reads class ids with range checks and refuses classes named in the bytes: only registered
     * ids are read, no class is ever looked up by name.
     */
    static final class IdOnlyClassResolver extends DefaultClassResolver {
        @Override
        public Registration readClass(Input input) {
            int id = Varints.readLength(input);
            if (id == Kryo.NULL) return null;
            if (id == NAME + 2) return readName(input);
            Registration r = getRegistration(id - 2);
            if (r == null) throw new KryoException("Encountered unregistered class ID: " + (id - 2));
            return r;
        }

        @Override
        protected Registration readName(Input input) {
            throw new KryoException("classes named in the payload are refused; only registered class ids are accepted");
        }
    }

    /** UTF-8 strings, decoded straight from the payload. */
    static final class StringSerializer extends Serializer<String> {
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
            int n = Varints.readLength(in);
            if (n == 0) return null;
            int length = n - 1;
            checkLength(in, length, 1);
            DecodeMeter m = meter(kryo);
            m.stringBytes(length);
            byte[] b = in.getBuffer();
            int p = in.position();
            m.charge(HeapSizes.string(length, ascii(b, p, length)));
            in.setPosition(p + length);
            return new String(b, p, length, StandardCharsets.UTF_8);
        }

        private static boolean ascii(byte[] b, int from, int length) {
            for (int i = from, end = from + length; i < end; i++) {
                if (b[i] < 0) return false;
            }
            return true;
        }
    }

    interface ArrayReader<A> {
        A read(Input in, int length);
    }

    interface ArrayWriter<A> {
        void write(Output out, A array);
    }

    interface ArrayLength<A> {
        int of(A array);
    }

    /** Primitive arrays: varint length + 1 (0 is null), then the elements little-endian. */
    static final class PrimitiveArraySerializer<A> extends Serializer<A> {
        private final int elementBytes;
        private final ArrayReader<A> reader;
        private final ArrayWriter<A> writer;
        private final ArrayLength<A> length;

        PrimitiveArraySerializer(int elementBytes, ArrayReader<A> reader, ArrayWriter<A> writer, ArrayLength<A> length) {
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
            int n = Varints.readLength(in);
            if (n == 0) return null;
            checkLength(in, n - 1L, elementBytes);
            meter(kryo).charge(HeapSizes.array(n - 1L, elementBytes));
            return reader.read(in, n - 1);
        }
    }

    /** {@code Object[]} and {@code String[]}: varint length + 1, then each element with its class. */
    static final class ObjectArraySerializer<T> extends Serializer<T[]> {
        private final IntFunction<T[]> create;
        private final String name;

        ObjectArraySerializer(IntFunction<T[]> create, String name) {
            super(true);
            this.create = create;
            this.name = name;
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
            int n = Varints.readLength(in);
            if (n == 0) return null;
            checkLength(in, n - 1L, 1);
            DecodeMeter m = enter(kryo);
            m.elements(n - 1L, name);
            m.charge(HeapSizes.refArray(n - 1L)); // the slots now, each element as it is read
            T[] out = create.apply(n - 1);
            for (int i = 0; i < out.length; i++) out[i] = (T) kryo.readClassAndObject(in);
            return out;
        }
    }

    /** {@code ArrayList}, in Kryo's own collection format. */
    static final class ListSerializer extends CollectionSerializer<Collection<Object>> {
        @Override
        public Collection<Object> read(Kryo kryo, Input in, Class<? extends Collection<Object>> type) {
            Varints.peekFlaggedLength(in);
            enter(kryo);
            return super.read(kryo, in, type);
        }

        @Override
        protected Collection<Object> create(Kryo kryo, Input in, Class<? extends Collection<Object>> type, int size) {
            checkLength(in, size, 1);
            DecodeMeter m = meter(kryo);
            m.elements(size, "a list");
            m.charge(HeapSizes.ARRAY_LIST + HeapSizes.refArray(size));
            return new ArrayList<>(size);
        }
    }

    /**
     * {@code HashMap} and {@code LinkedHashMap}, in Kryo's own map format. Entries are read into a
     * {@link MapEntries}, and the map is built once its keys' hash codes have been checked.
     */
    static final class HashMapSerializer extends MapSerializer<Map<Object, Object>> {
        private final boolean ordered;

        HashMapSerializer(boolean ordered) {
            this.ordered = ordered;
        }

        @Override
        public Map<Object, Object> read(Kryo kryo, Input in, Class<? extends Map<Object, Object>> type) {
            Varints.peekLength(in);
            DecodeMeter m = enter(kryo);
            Map<Object, Object> entries = super.read(kryo, in, type);
            return entries == null ? null : ((MapEntries) entries).toMap(m);
        }

        @Override
        protected Map<Object, Object> create(Kryo kryo, Input in, Class<? extends Map<Object, Object>> type, int size) {
            checkLength(in, size, 2);
            DecodeMeter m = meter(kryo);
            m.elements(size, "a map");
            return new MapEntries(size, ordered, m);
        }
    }

    /** Immutable JDK lists: varint size, then each element with its class; read as unmodifiable. */
    static final class ImmutableListSerializer extends Serializer<List<Object>> {
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
            int n = Varints.readLength(in);
            checkLength(in, n, 1);
            DecodeMeter m = enter(kryo);
            m.elements(n, "a list");
            m.charge(HeapSizes.WRAPPER + HeapSizes.ARRAY_LIST + HeapSizes.refArray(n));
            List<Object> out = new ArrayList<>(n);
            for (int i = 0; i < n; i++) out.add(kryo.readClassAndObject(in));
            return Collections.unmodifiableList(out);
        }
    }

    /** Immutable JDK maps: varint size, then each key and value with its class; read as unmodifiable. */
    static final class ImmutableMapSerializer extends Serializer<Map<Object, Object>> {
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
            int n = Varints.readLength(in);
            checkLength(in, n, 2);
            DecodeMeter m = enter(kryo);
            m.elements(n, "a map");
            m.charge(HeapSizes.WRAPPER);
            MapEntries entries = new MapEntries(n, true, m);
            for (int i = 0; i < n; i++) entries.put(kryo.readClassAndObject(in), kryo.readClassAndObject(in));
            return Collections.unmodifiableMap(entries.toMap(m));
        }
    }

    /**
     * {@link Tensor}: varint dtype ordinal, varint rank, a varint per dimension, varint byte
     * count, the bytes. The shape is checked against the byte count before the bytes are copied.
     */
    static final class TensorSerializer extends Serializer<Tensor> {
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
            DecodeMeter m = meter(kryo);
            int ordinal = Varints.readLength(in);
            if (ordinal >= DType.values().length) throw new KryoException("bad tensor dtype " + ordinal);
            DType dtype = DType.values()[ordinal];
            int rank = Varints.readLength(in);
            m.rank(rank);
            checkLength(in, rank, 1);
            m.charge(HeapSizes.TENSOR + 2 * HeapSizes.array(rank, 4));
            int[] shape = new int[rank];
            for (int k = 0; k < rank; k++) shape[k] = Varints.readLength(in);
            int n = Varints.readLength(in);
            long expected = Tensor.byteCount(dtype, shape);
            if (expected != n) {
                throw m.refuse("tensor " + Tensor.describe(dtype, shape) + " needs " + expected + " bytes, got " + n);
            }
            checkLength(in, n, 1);
            m.charge(HeapSizes.array(n, 1));
            return Tensor.wrap(dtype, shape, in.readBytes(n));
        }
    }

    /** Boxed {@code Integer}: a zigzag varint; only values outside the JDK's cache allocate. */
    static final class IntSerializer extends ImmutableSerializer<Integer> {
        @Override
        public void write(Kryo kryo, Output out, Integer v) {
            out.writeVarInt(v, false);
        }

        @Override
        public Integer read(Kryo kryo, Input in, Class<? extends Integer> type) {
            int v = Varints.readInt(in);
            if (v < -128 || v > 127) meter(kryo).charge(HeapSizes.BOX);
            return v;
        }
    }

    /** Boxed {@code Long}: a zigzag varint of up to 9 bytes; only values outside the JDK's cache allocate. */
    static final class LongSerializer extends ImmutableSerializer<Long> {
        @Override
        public void write(Kryo kryo, Output out, Long v) {
            out.writeVarLong(v, false);
        }

        @Override
        public Long read(Kryo kryo, Input in, Class<? extends Long> type) {
            long v = in.readVarLong(false);
            if (v < -128 || v > 127) meter(kryo).charge(HeapSizes.BOX);
            return v;
        }
    }

    /**
     * Charges a fixed size, then reads with the serializer it wraps: boxed values other than
     * {@code Integer} and {@code Long}, and user classes (whose depth it checks too).
     */
    static final class Sized<T> extends Serializer<T> {
        private final Serializer<T> inner;
        private final long bytes;
        private final boolean nests;

        Sized(Serializer<T> inner, long bytes, boolean nests) {
            super(inner.getAcceptsNull(), inner.isImmutable());
            this.inner = inner;
            this.bytes = bytes;
            this.nests = nests;
        }

        @Override
        public void write(Kryo kryo, Output out, T value) {
            inner.write(kryo, out, value);
        }

        @Override
        public T read(Kryo kryo, Input in, Class<? extends T> type) {
            DecodeMeter m = nests ? enter(kryo) : meter(kryo);
            m.charge(bytes);
            return inner.read(kryo, in, type);
        }
    }
}

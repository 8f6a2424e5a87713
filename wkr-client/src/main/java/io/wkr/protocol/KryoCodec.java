package io.wkr.protocol;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.KryoException;
import com.esotericsoftware.kryo.Registration;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import com.esotericsoftware.kryo.util.DefaultInstantiatorStrategy;
import io.wkr.protocol.KryoSerializers.HashMapSerializer;
import io.wkr.protocol.KryoSerializers.ImmutableListSerializer;
import io.wkr.protocol.KryoSerializers.ImmutableMapSerializer;
import io.wkr.protocol.KryoSerializers.IntSerializer;
import io.wkr.protocol.KryoSerializers.ListSerializer;
import io.wkr.protocol.KryoSerializers.LongSerializer;
import io.wkr.protocol.KryoSerializers.MeteredKryo;
import io.wkr.protocol.KryoSerializers.ObjectArraySerializer;
import io.wkr.protocol.KryoSerializers.PrimitiveArraySerializer;
import io.wkr.protocol.KryoSerializers.Sized;
import io.wkr.protocol.KryoSerializers.StringSerializer;
import io.wkr.protocol.KryoSerializers.TensorSerializer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.objenesis.strategy.StdInstantiatorStrategy;

/**
 * The {@code obj} protocol: Kryo with class registration required. Only the built-in types below
 * and the classes given to the constructor (in that order, on both sides) can travel; bytes
 * naming any other class are a {@link BadRequestException}, never an instantiation. Python
 * pickles are not read here (see {@link ObjCodec}).
 *
 * <p>Built in: {@code String}, boxed primitives, {@code byte[] short[] int[] long[] float[]
 * double[] boolean[] String[] Object[]}, {@code ArrayList}, {@code HashMap}, {@code
 * LinkedHashMap}, the JDK's immutable lists and maps, and {@link Tensor}.
 *
 * <p>Decoding is bounded by {@link DecodeLimits}: every length is checked against the bytes
 * actually present and read without wrapping, the estimated heap size of what is decoded is
 * charged before it is allocated, nesting is limited, and a map whose keys share hash codes
 * beyond {@link DecodeLimits#maxSameHashKeys()} is refused before it is built (see {@link
 * MapEntries}). Class names in the bytes are refused (only registered ids are read). A server's
 * {@code obj} protocol is an {@link ObjCodec}: this codec for Java clients, {@link PickleCodec}
 * for Python clients.
 */
public final class KryoCodec implements PayloadCodec {
    private static final byte[] INFO = Wire.ascii("{\"codec\":\"kryo\"}");
    private static final int FIRST_USER_ID = 100;
    private static final String PROTOCOL = "obj protocol";

    private final List<Class<?>> userClasses;
    private final DecodeLimits limits;
    private final ThreadLocal<MeteredKryo> kryo;
    private final ThreadLocal<Output> output = ThreadLocal.withInitial(() -> new Output(256, -1));

    public KryoCodec(List<Class<?>> userClasses) {
        this(userClasses, DecodeLimits.DEFAULT);
    }

    public KryoCodec(List<Class<?>> userClasses, DecodeLimits limits) {
        this.userClasses = List.copyOf(userClasses);
        this.limits = limits;
        this.kryo = ThreadLocal.withInitial(this::newKryo);
    }

    /** The user classes this codec was built with, in registration order. */
    public List<Class<?>> userClasses() {
        return userClasses;
    }

    /** The limits every decode of this codec obeys. */
    public DecodeLimits limits() {
        return limits;
    }

    private MeteredKryo newKryo() {
        MeteredKryo k = new MeteredKryo();
        k.setRegistrationRequired(true);
        k.setReferences(false);
        k.setInstantiatorStrategy(new DefaultInstantiatorStrategy(new StdInstantiatorStrategy()));
        k.register(String.class, new StringSerializer());
        k.register(int.class, new IntSerializer());
        k.register(long.class, new LongSerializer());
        for (Class<?> c : List.of(float.class, double.class, short.class, char.class)) {
            sized(k.getRegistration(c), HeapSizes.BOX, false);
        }
        // byte and boolean: every boxed value is cached by the JDK, nothing to charge
        int id = 20;
        k.register(byte[].class, new PrimitiveArraySerializer<byte[]>(1, Input::readBytes, (o, a) -> o.writeBytes(a), a -> a.length), id++);
        k.register(short[].class, new PrimitiveArraySerializer<short[]>(2, Input::readShorts, (o, a) -> o.writeShorts(a, 0, a.length), a -> a.length), id++);
        k.register(int[].class, new PrimitiveArraySerializer<int[]>(4, Input::readInts, (o, a) -> o.writeInts(a, 0, a.length), a -> a.length), id++);
        k.register(long[].class, new PrimitiveArraySerializer<long[]>(8, Input::readLongs, (o, a) -> o.writeLongs(a, 0, a.length), a -> a.length), id++);
        k.register(float[].class, new PrimitiveArraySerializer<float[]>(4, Input::readFloats, (o, a) -> o.writeFloats(a, 0, a.length), a -> a.length), id++);
        k.register(double[].class, new PrimitiveArraySerializer<double[]>(8, Input::readDoubles, (o, a) -> o.writeDoubles(a, 0, a.length), a -> a.length), id++);
        k.register(boolean[].class, new PrimitiveArraySerializer<boolean[]>(1, Input::readBooleans, (o, a) -> o.writeBooleans(a, 0, a.length), a -> a.length), id++);
        k.register(String[].class, new ObjectArraySerializer<>(String[]::new, "a String[]"), id++);
        k.register(Object[].class, new ObjectArraySerializer<>(Object[]::new, "an Object[]"), id++);
        k.register(ArrayList.class, new ListSerializer(), id++);
        k.register(HashMap.class, new HashMapSerializer(false), id++);
        k.register(LinkedHashMap.class, new HashMapSerializer(true), id++);
        k.register(Tensor.class, new TensorSerializer(), id++);
        // Immutable JDK collections (List.of, Map.of, Arrays.asList, ...) travel as their
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
        for (Class<?> c : userClasses) sized(k.register(c, id++), HeapSizes.instance(c), true);
        return k;
    }

    /** Makes a registration charge {@code bytes} per value read (and check the depth when it {@code nests}). */
    @SuppressWarnings({"unchecked", "rawtypes"})
    private static void sized(Registration r, long bytes, boolean nests) {
        r.setSerializer(new Sized(r.getSerializer(), bytes, nests));
    }

    @Override
    public Protocol protocol() {
        return Protocol.OBJ;
    }

    @Override
    public Object decode(byte[] payload, Map<String, Object> info, DecodeBudget budget) {
        if (!"kryo".equals(info.get("codec"))) {
            if (info.containsKey("protocol") || (payload.length > 1 && (payload[0] & 0xff) == 0x80)) {
                throw new BadRequestException("Python pickle payloads are read by ObjCodec (the server's obj protocol), "
                        + "not by KryoCodec");
            }
            throw new BadRequestException(PROTOCOL + ": info must be {\"codec\":\"kryo\"}, got "
                    + Wire.preview(String.valueOf(info)));
        }
        MeteredKryo k = kryo.get();
        k.meter = new DecodeMeter(limits, budget, PROTOCOL, payload.length);
        boolean clean = false;
        try (Input in = new Input(payload)) {
            Object v = k.readClassAndObject(in);
            clean = true;
            if (in.position() != payload.length) {
                throw new BadRequestException(PROTOCOL + ": " + (payload.length - in.position()) + " trailing bytes");
            }
            return v;
        } catch (KryoException | IllegalArgumentException | IndexOutOfBoundsException | NegativeArraySizeException
                | ArrayStoreException | ClassCastException e) {
            WKRException refusal = refusalIn(e);
            if (refusal != null) throw refusal; // a limit, or the caller's budget: as thrown
            throw new BadRequestException(PROTOCOL + ": cannot decode payload: " + firstLine(e.getMessage()), e);
        } catch (StackOverflowError e) {
            throw new BadRequestException(PROTOCOL + ": cannot decode payload: nested too deeply");
        } finally {
            k.meter = null;
            // A read that failed halfway inside a user class can leave Kryo's generic types behind
            // (only the field serializers of user classes push them): start afresh.
            if (!clean && (!userClasses.isEmpty() || k.getGenerics().getGenericTypesSize() != 0)) kryo.remove();
        }
    }

    /** The first {@link WKRException} among the causes: Kryo wraps what user-class fields throw. */
    private static WKRException refusalIn(Throwable e) {
        for (Throwable c = e.getCause(); c != null && c != e; c = c.getCause()) {
            if (c instanceof WKRException w) return w;
        }
        return null;
    }

    /** The first line of a Kryo message (the rest is a trace), at most 200 characters. */
    private static String firstLine(String s) {
        if (s == null) return "malformed data";
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() <= 200 ? line : line.substring(0, 200) + "...";
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
}

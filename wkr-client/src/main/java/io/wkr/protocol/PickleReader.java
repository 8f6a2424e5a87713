package io.wkr.protocol;

import java.math.BigInteger;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A restricted reader of Python pickles (protocols 2 to 5): a small pickle machine that builds
 * Java values and never runs, loads or instantiates anything a pickle names. Globals are looked
 * up in an allow-list of what numpy arrays, numpy scalars and a few builtins pickle to ({@link
 * #ALLOWED}); any other global is refused when the pickle names it, before anything could call it.
 *
 * <p>What it makes: {@code None} null, {@code bool} Boolean, {@code int} Long (BigInteger past 64
 * bits), {@code float} Double, {@code str} String, {@code bytes} and {@code bytearray} byte[],
 * {@code list} ArrayList, {@code tuple} Object[], {@code dict} LinkedHashMap, {@code set} and
 * {@code frozenset} a Set, a numpy array a {@link Tensor} (C order, little-endian), a numpy
 * scalar the boxed value of its dtype (Long, Double, Float, Boolean; BigInteger for a uint64 past
 * 2^63-1).
 *
 * <p>Bounded by {@link DecodeLimits} through a {@link DecodeMeter}: every length is checked against
 * the bytes present before anything is allocated, allocations are charged, containers and the memo
 * are limited to {@code maxElements}, nesting to {@code maxDepth}, tensors to {@code maxRank}. A
 * value the pickle refers to more than once (its memo) is charged again for every further
 * reference, as if copied, so a small pickle cannot stand for a huge tree; a value that contains
 * itself is refused. Not thread-safe: one reader per decode.
 */
final class PickleReader {
    static final String PROTOCOL = "pickle";
    /** Longest integer accepted, in bytes (Python itself refuses to print ints past 4300 digits). */
    static final int MAX_INT_BYTES = 4096;
    /** Longest module or attribute name of a global. */
    private static final int MAX_NAME = 256;

    /** The globals a pickle may name, and what each stands for. */
    enum Callable {
        RECONSTRUCT, NDARRAY, DTYPE, SCALAR, FROMBUFFER, CODECS_ENCODE, BYTES, BYTEARRAY, SET, FROZENSET
    }

    /** The allow-list: {@code module.name} to what it stands for. Nothing else is ever resolved. */
    static final Map<String, Callable> ALLOWED;

    static {
        Map<String, Callable> m = new HashMap<>();
        for (String core : List.of("numpy.core", "numpy._core")) {
            m.put(core + ".multiarray._reconstruct", Callable.RECONSTRUCT);
            m.put(core + ".multiarray.scalar", Callable.SCALAR);
            m.put(core + ".numeric._frombuffer", Callable.FROMBUFFER);
        }
        m.put("numpy.ndarray", Callable.NDARRAY);
        m.put("numpy.dtype", Callable.DTYPE);
        m.put("_codecs.encode", Callable.CODECS_ENCODE);
        for (String b : List.of("builtins", "__builtin__")) {
            m.put(b + ".bytes", Callable.BYTES);
            m.put(b + ".bytearray", Callable.BYTEARRAY);
            m.put(b + ".set", Callable.SET);
            m.put(b + ".frozenset", Callable.FROZENSET);
        }
        ALLOWED = Map.copyOf(m);
    }

    /** A global from the allow-list, on the stack until REDUCE calls it. */
    private record Global(String name, Callable callable) {}

    /** {@code numpy.dtype(...)}: its name now, its byte order when BUILD gives it. */
    private static final class DTypeStub {
        final DType type;
        final String name;
        char order = '<';

        DTypeStub(DType type, String name) {
            this.type = type;
            this.name = name;
        }
    }

    /** {@code _reconstruct(numpy.ndarray, ...)}: an empty array until BUILD gives its state. */
    private static final class ArrayStub {
        Tensor tensor;
    }

    /** A dict being read: its entries in order, hashed only when the whole pickle is read. */
    private static final class Dict {
        final List<Object> keys = new ArrayList<>();
        final List<Object> values = new ArrayList<>();
    }

    /** A set being read (frozen sets too). */
    private static final class PySet {
        final List<Object> items = new ArrayList<>();
    }

    private final byte[] in;
    private final DecodeMeter meter;
    private final DecodeLimits limits;
    private int pos;
    private final ArrayList<Object> stack = new ArrayList<>();
    private final ArrayList<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int stackHigh;
    /** Objects the pickle refers to more than once (fetched from the memo, or duplicated). */
    private final Set<Object> shared = Collections.newSetFromMap(new IdentityHashMap<>());

    PickleReader(byte[] in, DecodeMeter meter) {
        this.in = in;
        this.meter = meter;
        this.limits = meter.limits();
    }

    /** Reads the whole pickle: one value, then nothing but the STOP opcode. */
    Object read() {
        Object v = run();
        if (pos != in.length) throw refuse((in.length - pos) + " bytes after the STOP opcode");
        return new Freezer().freeze(v, 0);
    }

    private BadRequestException refuse(String why) {
        return meter.refuse(why);
    }

    // ------------------------------------------------------------------ the machine

    private Object run() {
        while (true) {
            if (pos >= in.length) throw refuse("truncated: no STOP opcode");
            int op = in[pos++] & 0xff;
            switch (op) {
                case 0x80 -> { // PROTO
                    int v = u8();
                    if (v < 2 || v > 5) throw refuse("pickle protocol " + v + " is not supported (2 to 5 are)");
                }
                case 0x95 -> need(8).skip(8); // FRAME: a length hint only
                case '.' -> { // STOP
                    if (stack.size() != 1 || !marks.isEmpty()) throw refuse("malformed: STOP with " + stack.size() + " values on the stack");
                    return stack.get(0);
                }
                case '(' -> { // MARK
                    if (marks.size() > limits.maxDepth() + 1) {
                        throw refuse("values nested deeper than DecodeLimits.maxDepth (" + limits.maxDepth() + ") levels");
                    }
                    marks.add(stack.size());
                }
                case '0' -> pop(); // POP
                case '1' -> popMark(); // POP_MARK
                case '2' -> { // DUP
                    Object top = peek();
                    markShared(top);
                    push(top);
                }
                case 'N' -> push(null);
                case 0x88 -> push(Boolean.TRUE);
                case 0x89 -> push(Boolean.FALSE);
                case 'J' -> push((long) i32()); // BININT
                case 'K' -> push((long) u8()); // BININT1
                case 'M' -> push((long) u16()); // BININT2
                case 0x8a -> push(bigInt(u8())); // LONG1
                case 0x8b -> push(bigInt(len32())); // LONG4
                case 'G' -> push(Double.longBitsToDouble(be64())); // BINFLOAT
                case 0x8c -> push(text(u8())); // SHORT_BINUNICODE
                case 'X' -> push(text(len32())); // BINUNICODE
                case 0x8d -> push(text(len64())); // BINUNICODE8
                case 'C', 'U' -> push(bytes(u8())); // SHORT_BINBYTES; SHORT_BINSTRING (a Python 2 str) as bytes
                case 'B', 'T' -> push(bytes(len32())); // BINBYTES; BINSTRING
                case 0x8e, 0x96 -> push(bytes(len64())); // BINBYTES8, BYTEARRAY8
                case ']' -> push(newList()); // EMPTY_LIST
                case 'a' -> { // APPEND
                    Object v = pop();
                    append(peek(), List.of(v));
                }
                case 'e' -> { // APPENDS
                    List<Object> items = popMark();
                    append(peek(), items);
                }
                case 'l' -> { // LIST
                    List<Object> items = popMark();
                    List<Object> list = newList();
                    append(list, items);
                    push(list);
                }
                case ')' -> push(new Object[0]); // EMPTY_TUPLE
                case 't' -> push(tuple(popMark())); // TUPLE
                case 0x85 -> push(tuple(popN(1))); // TUPLE1
                case 0x86 -> push(tuple(popN(2))); // TUPLE2
                case 0x87 -> push(tuple(popN(3))); // TUPLE3
                case '}' -> push(newDict()); // EMPTY_DICT
                case 'd' -> { // DICT
                    List<Object> items = popMark();
                    Dict d = newDict();
                    setItems(d, items);
                    push(d);
                }
                case 's' -> { // SETITEM
                    Object v = pop();
                    Object k = pop();
                    setItems(peek(), List.of(k, v));
                }
                case 'u' -> { // SETITEMS
                    List<Object> items = popMark();
                    setItems(peek(), items);
                }
                case 0x8f -> push(newSet()); // EMPTY_SET
                case 0x90 -> { // ADDITEMS
                    List<Object> items = popMark();
                    addItems(peek(), items);
                }
                case 0x91 -> { // FROZENSET
                    List<Object> items = popMark();
                    PySet s = newSet();
                    addItems(s, items);
                    push(s);
                }
                case 'h' -> push(memoGet(u8())); // BINGET
                case 'j' -> push(memoGet(u32())); // LONG_BINGET
                case 'q' -> memoPut(u8()); // BINPUT
                case 'r' -> memoPut(u32()); // LONG_BINPUT
                case 0x94 -> memoPut(memo.size()); // MEMOIZE
                case 'c' -> push(global(line(), line())); // GLOBAL
                case 0x93 -> { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String m) || !(name instanceof String n)) {
                        throw refuse("malformed: STACK_GLOBAL needs two strings");
                    }
                    push(global(m, n));
                }
                case 'R' -> { // REDUCE
                    Object args = pop();
                    Object f = pop();
                    push(reduce(f, args));
                }
                case 'b' -> { // BUILD
                    Object state = pop();
                    build(peek(), state);
                }
                default -> throw refuse("opcode " + opcodeName(op) + " is not allowed (a restricted reader of protocols 2 to 5)");
            }
        }
    }

    private static String opcodeName(int op) {
        String name = switch (op) {
            case 0x81 -> "NEWOBJ";
            case 0x92 -> "NEWOBJ_EX";
            case 'i' -> "INST";
            case 'o' -> "OBJ";
            case 'P' -> "PERSID";
            case 'Q' -> "BINPERSID";
            case 0x82, 0x83, 0x84 -> "EXT";
            case 0x97 -> "NEXT_BUFFER (out-of-band data)";
            case 0x98 -> "READONLY_BUFFER";
            case 'I', 'L', 'F', 'S', 'V', 'g', 'p' -> "'" + (char) op + "' (text opcodes of protocol 0)";
            default -> "";
        };
        return String.format("0x%02x", op) + (name.isEmpty() ? "" : " " + name);
    }

    // ------------------------------------------------------------------ raw reads

    private PickleReader need(long n) {
        if (n < 0 || n > in.length - pos) throw refuse("truncated: needs " + n + " more bytes at offset " + pos);
        return this;
    }

    private void skip(int n) {
        pos += n;
    }

    private int u8() {
        need(1);
        return in[pos++] & 0xff;
    }

    private int u16() {
        need(2);
        int v = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8;
        pos += 2;
        return v;
    }

    private int i32() {
        need(4);
        int v = (in[pos] & 0xff) | (in[pos + 1] & 0xff) << 8 | (in[pos + 2] & 0xff) << 16 | (in[pos + 3] & 0xff) << 24;
        pos += 4;
        return v;
    }

    private long u32() {
        return i32() & 0xffffffffL;
    }

    private long le64() {
        need(8);
        long v = 0;
        for (int i = 7; i >= 0; i--) v = v << 8 | (in[pos + i] & 0xff);
        pos += 8;
        return v;
    }

    private long be64() {
        need(8);
        long v = 0;
        for (int i = 0; i < 8; i++) v = v << 8 | (in[pos + i] & 0xff);
        pos += 8;
        return v;
    }

    private long len32() {
        return u32();
    }

    private long len64() {
        long n = le64();
        if (n < 0) throw refuse("malformed: a length of 2^63 or more");
        return n;
    }

    private String line() {
        int start = pos;
        while (pos < in.length && in[pos] != '\n') {
            if (pos - start > MAX_NAME) throw refuse("a global's name is longer than " + MAX_NAME + " bytes");
            pos++;
        }
        if (pos >= in.length) throw refuse("truncated: a GLOBAL name without its newline");
        String s = new String(in, start, pos - start, StandardCharsets.UTF_8);
        pos++;
        return s;
    }

    private Object bigInt(long n) {
        if (n > MAX_INT_BYTES) throw refuse("an integer of " + n + " bytes is longer than " + MAX_INT_BYTES + " bytes");
        need(n);
        int len = (int) n;
        if (len == 0) {
            return 0L;
        }
        byte[] be = new byte[len];
        for (int i = 0; i < len; i++) be[i] = in[pos + len - 1 - i];
        pos += len;
        meter.charge(HeapSizes.array(len, 1) + HeapSizes.BOX);
        BigInteger b = new BigInteger(be);
        return b.bitLength() < 64 ? (Object) b.longValue() : b;
    }

    private String text(long n) {
        need(n);
        meter.stringBytes(n);
        int len = (int) n;
        meter.charge(HeapSizes.string(len, false));
        try {
            String s = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(java.nio.ByteBuffer.wrap(in, pos, len))
                    .toString();
            pos += len;
            return s;
        } catch (CharacterCodingException e) {
            throw refuse("a string that is not UTF-8 at offset " + pos);
        }
    }

    private byte[] bytes(long n) {
        need(n);
        meter.charge(HeapSizes.array(n, 1));
        byte[] b = new byte[(int) n];
        System.arraycopy(in, pos, b, 0, (int) n);
        pos += (int) n;
        return b;
    }

    // ------------------------------------------------------------------ stack, marks, memo

    private void push(Object v) {
        stack.add(v);
        if (stack.size() > stackHigh) {
            stackHigh = stack.size();
            meter.elements(stackHigh, "the pickle's stack");
            meter.charge(HeapSizes.REF);
        }
    }

    private Object pop() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw refuse("malformed: pops an empty stack (or past a MARK) at offset " + (pos - 1));
        return stack.remove(stack.size() - 1);
    }

    private Object peek() {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) throw refuse("malformed: needs a value on the stack at offset " + (pos - 1));
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() {
        if (marks.isEmpty()) throw refuse("malformed: no MARK at offset " + (pos - 1));
        int m = marks.remove(marks.size() - 1);
        List<Object> top = stack.subList(m, stack.size());
        List<Object> items = new ArrayList<>(top);
        top.clear();
        return items;
    }

    private List<Object> popN(int n) {
        Object[] items = new Object[n];
        for (int i = n - 1; i >= 0; i--) items[i] = pop();
        return java.util.Arrays.asList(items);
    }

    private void memoPut(long key) {
        Object top = peek();
        if (!memo.containsKey(key)) {
            meter.elements(memo.size() + 1L, "the pickle's memo");
            meter.charge(HeapSizes.MAP_ENTRY + HeapSizes.BOX + HeapSizes.REF);
        }
        memo.put(key, top);
    }

    private Object memoGet(long key) {
        if (!memo.containsKey(key)) throw refuse("malformed: memo entry " + key + " was never stored");
        Object v = memo.get(key);
        markShared(v);
        return v;
    }

    private void markShared(Object v) {
        if (v instanceof List || v instanceof Object[] || v instanceof Dict || v instanceof PySet || v instanceof String
                || v instanceof byte[] || v instanceof ArrayStub || v instanceof Tensor || v instanceof BigInteger) {
            shared.add(v);
        }
    }

    // ------------------------------------------------------------------ containers

    private List<Object> newList() {
        meter.charge(HeapSizes.ARRAY_LIST + HeapSizes.refArray(10));
        return new ArrayList<>();
    }

    private Dict newDict() {
        meter.charge(2 * (HeapSizes.ARRAY_LIST + HeapSizes.refArray(10)));
        return new Dict();
    }

    private PySet newSet() {
        meter.charge(HeapSizes.ARRAY_LIST + HeapSizes.refArray(10));
        return new PySet();
    }

    private Object[] tuple(List<Object> items) {
        meter.elements(items.size(), "a tuple");
        meter.charge(HeapSizes.refArray(items.size()));
        return items.toArray();
    }

    @SuppressWarnings("unchecked")
    private void append(Object target, List<Object> items) {
        if (!(target instanceof ArrayList<?> raw)) throw refuse("APPEND to " + describe(target) + " is not allowed");
        List<Object> list = (List<Object>) raw;
        meter.elements((long) list.size() + items.size(), "a list");
        meter.charge((long) items.size() * HeapSizes.REF * 3 / 2);
        list.addAll(items);
    }

    private void setItems(Object target, List<Object> items) {
        if (!(target instanceof Dict d)) throw refuse("SETITEM on " + describe(target) + " is not allowed");
        if (items.size() % 2 != 0) throw refuse("malformed: SETITEMS with an odd number of values");
        meter.elements((long) d.keys.size() + items.size() / 2, "a dict");
        meter.charge((long) items.size() * HeapSizes.REF * 3 / 2);
        for (int i = 0; i < items.size(); i += 2) {
            d.keys.add(items.get(i));
            d.values.add(items.get(i + 1));
        }
    }

    private void addItems(Object target, List<Object> items) {
        if (!(target instanceof PySet s)) throw refuse("ADDITEMS to " + describe(target) + " is not allowed");
        meter.elements((long) s.items.size() + items.size(), "a set");
        meter.charge((long) items.size() * HeapSizes.REF * 3 / 2);
        s.items.addAll(items);
    }

    private static String describe(Object v) {
        if (v == null) return "None";
        if (v instanceof Global g) return "the global " + g.name();
        if (v instanceof Object[]) return "a tuple";
        if (v instanceof List) return "a list";
        if (v instanceof Dict) return "a dict";
        if (v instanceof PySet) return "a set";
        if (v instanceof ArrayStub) return "a numpy array";
        if (v instanceof DTypeStub) return "a numpy dtype";
        if (v instanceof byte[]) return "bytes";
        return "a " + v.getClass().getSimpleName().toLowerCase(java.util.Locale.ROOT);
    }

    // ------------------------------------------------------------------ globals, REDUCE, BUILD

    private Global global(String module, String name) {
        String full = module + "." + name;
        Callable c = ALLOWED.get(full);
        if (c == null) {
            throw refuse("the global " + Wire.preview(full) + " is not allowed; a pickle may name only numpy arrays, "
                    + "dtypes and scalars, and builtins bytes, bytearray, set and frozenset");
        }
        return new Global(full, c);
    }

    private Object reduce(Object f, Object argsObject) {
        if (!(f instanceof Global g)) throw refuse("REDUCE on " + describe(f) + " is not allowed");
        if (!(argsObject instanceof Object[] args)) throw refuse("malformed: REDUCE of " + g.name() + " without an argument tuple");
        switch (g.callable()) {
            case RECONSTRUCT -> {
                // _reconstruct(numpy.ndarray, (0,), b'b'): an empty array that BUILD fills
                if (args.length != 3 || !(args[0] instanceof Global cls) || cls.callable() != Callable.NDARRAY) {
                    throw refuse(g.name() + " is allowed only as _reconstruct(numpy.ndarray, shape, dtype)");
                }
                meter.charge(HeapSizes.BOX);
                return new ArrayStub();
            }
            case DTYPE -> {
                if (args.length < 1 || !(args[0] instanceof String name)) throw refuse("numpy.dtype needs a type name");
                DType type = DType.fromNumpy(name);
                meter.charge(HeapSizes.BOX);
                return new DTypeStub(type, name);
            }
            case SCALAR -> {
                if (args.length != 2 || !(args[0] instanceof DTypeStub dt) || !(args[1] instanceof byte[] raw)) {
                    throw refuse(g.name() + " is allowed only as scalar(dtype, bytes)");
                }
                return scalar(dt, raw);
            }
            case FROMBUFFER -> {
                // _frombuffer(buffer, dtype, shape, order): protocol 5's pickle of an array
                if (args.length != 4 || !(args[0] instanceof byte[] raw) || !(args[1] instanceof DTypeStub dt)
                        || !(args[2] instanceof Object[] shape) || !(args[3] instanceof String order)) {
                    throw refuse(g.name() + " is allowed only as _frombuffer(bytes, dtype, shape, order)");
                }
                return tensor(dt, shape, raw, fortran(order));
            }
            case CODECS_ENCODE -> {
                // protocol 2's bytes: _codecs.encode('\x00...', 'latin1')
                if (args.length != 2 || !(args[0] instanceof String s) || !(args[1] instanceof String enc)
                        || !(enc.equals("latin1") || enc.equals("latin-1"))) {
                    throw refuse(g.name() + " is allowed only as encode(str, 'latin1')");
                }
                byte[] b = new byte[s.length()];
                meter.charge(HeapSizes.array(b.length, 1));
                for (int i = 0; i < b.length; i++) {
                    char ch = s.charAt(i);
                    if (ch > 0xff) throw refuse("_codecs.encode: a character past latin1");
                    b[i] = (byte) ch;
                }
                return b;
            }
            case BYTES, BYTEARRAY -> {
                if (args.length == 0) return new byte[0];
                if (args.length == 1 && args[0] instanceof byte[] b) return b;
                throw refuse(g.name() + " is allowed only with no argument or a bytes argument");
            }
            case SET, FROZENSET -> {
                PySet s = newSet();
                if (args.length == 1 && args[0] instanceof List<?> items) {
                    addItems(s, new ArrayList<>(items));
                } else if (args.length != 0) {
                    throw refuse(g.name() + " is allowed only with no argument or a list");
                }
                return s;
            }
            default -> throw refuse("REDUCE on " + g.name() + " is not allowed");
        }
    }

    private boolean fortran(String order) {
        if (order.equals("C")) return false;
        if (order.equals("F")) return true;
        throw refuse("numpy array order " + Wire.preview(order) + " (C or F are)");
    }

    private void build(Object target, Object state) {
        if (target instanceof DTypeStub dt) {
            // (version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])
            if (!(state instanceof Object[] s) || s.length < 8 || !(s[1] instanceof String order) || order.length() != 1) {
                throw refuse("malformed state of numpy.dtype " + dt.name);
            }
            if (s[2] != null || s[3] != null || s[4] != null) throw refuse("structured numpy dtypes are not supported");
            dt.order = order.charAt(0);
            if ("<>|=".indexOf(dt.order) < 0) throw refuse("numpy byte order " + Wire.preview(order));
            return;
        }
        if (target instanceof ArrayStub a) {
            // (version, shape, dtype, is_fortran, data); version 0 pickles leave the version out
            if (!(state instanceof Object[] s) || (s.length != 5 && s.length != 4)) throw refuse("malformed numpy array state");
            int k = s.length - 4;
            if (!(s[k] instanceof Object[] shape) || !(s[k + 1] instanceof DTypeStub dt) || !(s[k + 2] instanceof Boolean f)) {
                throw refuse("malformed numpy array state");
            }
            if (!(s[k + 3] instanceof byte[] raw)) {
                throw refuse("numpy arrays must carry their data as bytes (object arrays are not supported)");
            }
            if (a.tensor != null) throw refuse("BUILD on a numpy array twice");
            a.tensor = tensor(dt, shape, raw, f);
            return;
        }
        throw refuse("BUILD on " + describe(target) + " is not allowed");
    }

    private Tensor tensor(DTypeStub dt, Object[] shapeTuple, byte[] raw, boolean fortran) {
        meter.rank(shapeTuple.length);
        int[] shape = new int[shapeTuple.length];
        long count = 1;
        boolean zero = false;
        for (int i = 0; i < shape.length; i++) {
            if (!(shapeTuple[i] instanceof Long d) || d < 0 || d > Integer.MAX_VALUE) {
                throw refuse("numpy array shape must hold integers from 0 to 2147483647");
            }
            shape[i] = (int) (long) d;
            zero |= d == 0;
            count = Math.min(count * d, 1L << 32); // both factors below 2^32: no overflow
        }
        if (zero) count = 0;
        int size = dt.type.byteSize();
        if (count > Integer.MAX_VALUE || count * size != raw.length) {
            throw refuse("numpy array of shape " + java.util.Arrays.toString(shape) + " and dtype " + dt.name + " needs "
                    + (count > Integer.MAX_VALUE ? "more than 2^31 elements" : count * size + " bytes") + ", got " + raw.length);
        }
        byte[] data = raw;
        boolean swap = dt.order == '>' && size > 1;
        if (swap || (fortran && shape.length > 1)) {
            meter.charge(HeapSizes.array(raw.length, 1));
            data = new byte[raw.length];
            if (fortran && shape.length > 1) {
                fromFortran(raw, data, shape, size);
            } else {
                System.arraycopy(raw, 0, data, 0, raw.length);
            }
            if (swap) {
                for (int i = 0; i < data.length; i += size) {
                    for (int lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
                        byte t = data[lo];
                        data[lo] = data[hi];
                        data[hi] = t;
                    }
                }
            }
        }
        meter.charge(HeapSizes.TENSOR + HeapSizes.array(shape.length, 4));
        return Tensor.wrap(dt.type, shape, data);
    }

    /** Copies a Fortran-ordered array into C order. */
    private static void fromFortran(byte[] src, byte[] dst, int[] shape, int size) {
        int rank = shape.length;
        long n = src.length / Math.max(1, size);
        if (n == 0) return;
        int[] index = new int[rank]; // C-order index of element i, counting in C order
        long[] fStride = new long[rank];
        long s = 1;
        for (int d = 0; d < rank; d++) {
            fStride[d] = s;
            s *= shape[d];
        }
        for (long i = 0; i < n; i++) {
            long f = 0;
            for (int d = 0; d < rank; d++) f += index[d] * fStride[d];
            System.arraycopy(src, (int) (f * size), dst, (int) (i * size), size);
            for (int d = rank - 1; d >= 0; d--) {
                if (++index[d] < shape[d]) break;
                index[d] = 0;
            }
        }
    }

    private Object scalar(DTypeStub dt, byte[] raw) {
        int size = dt.type.byteSize();
        if (raw.length != size) throw refuse("numpy scalar of dtype " + dt.name + " needs " + size + " bytes, got " + raw.length);
        long bits = 0;
        for (int i = 0; i < size; i++) {
            int b = raw[dt.order == '>' ? i : size - 1 - i] & 0xff;
            bits = bits << 8 | b;
        }
        meter.charge(HeapSizes.BOX);
        return switch (dt.type) {
            case BOOL -> bits != 0;
            case INT8 -> (long) (byte) bits;
            case INT16 -> (long) (short) bits;
            case INT32 -> (long) (int) bits;
            case INT64, UINT8, UINT16, UINT32 -> bits;
            case UINT64 -> bits >= 0 ? (Object) bits : new BigInteger(Long.toUnsignedString(bits));
            case FLOAT16 -> (double) io.wkr.protocol.internal.Half.toFloat((int) bits);
            case FLOAT32 -> (double) Float.intBitsToFloat((int) bits);
            case FLOAT64 -> Double.longBitsToDouble(bits);
        };
    }


    // ------------------------------------------------------------------ to Java values

    /**
     * Turns what the machine built into the values it stands for, checking depth and cycles, and
     * charging every further reference to a shared value as if it were a copy.
     */
    private final class Freezer {
        private final Map<Object, long[]> done = new IdentityHashMap<>(); // shared value -> {weight}
        private final Map<Object, Object> frozen = new IdentityHashMap<>();
        private final Set<Object> open = Collections.newSetFromMap(new IdentityHashMap<>());
        private long weight;

        Object freeze(Object v, int depth) {
            meter.depth(depth);
            if (!shared.contains(v)) return convert(v, depth);
            long[] w = done.get(v);
            if (w != null) {
                meter.charge(w[0]); // another reference: as heavy as a copy
                weight = saturatingAdd(weight, w[0]);
                return frozen.get(v);
            }
            if (!open.add(v)) throw refuse("a value that contains itself (a cycle) is not supported");
            long before = weight;
            Object r = convert(v, depth);
            open.remove(v);
            done.put(v, new long[] {weight - before});
            frozen.put(v, r);
            return r;
        }

        private Object convert(Object v, int depth) {
            if (v == null || v instanceof Boolean || v instanceof Long || v instanceof Double) {
                weight += HeapSizes.BOX;
                return v;
            }
            if (v instanceof String s) {
                weight += HeapSizes.string(s.length(), false);
                return v;
            }
            if (v instanceof byte[] b) {
                weight += HeapSizes.array(b.length, 1);
                return v;
            }
            if (v instanceof BigInteger b) {
                weight += HeapSizes.BOX + HeapSizes.array(b.bitLength() / 8 + 1, 1);
                return v;
            }
            if (v instanceof Tensor t) {
                weight += HeapSizes.TENSOR + t.size() * (long) t.dtype().byteSize();
                return v;
            }
            if (v instanceof ArrayStub a) {
                if (a.tensor == null) throw refuse("a numpy array without its state (no BUILD)");
                return convert(a.tensor, depth);
            }
            if (v instanceof ArrayList<?> raw) {
                @SuppressWarnings("unchecked")
                List<Object> list = (List<Object>) raw;
                weight += HeapSizes.ARRAY_LIST + HeapSizes.refArray(list.size());
                for (int i = 0; i < list.size(); i++) list.set(i, freeze(list.get(i), depth + 1));
                return list;
            }
            if (v instanceof Object[] tuple) {
                weight += HeapSizes.refArray(tuple.length);
                for (int i = 0; i < tuple.length; i++) tuple[i] = freeze(tuple[i], depth + 1);
                return tuple;
            }
            if (v instanceof Dict d) {
                int n = d.keys.size();
                weight += HeapSizes.hashMap(n, true);
                MapEntries entries = new MapEntries(n, true, meter);
                for (int i = 0; i < n; i++) entries.put(freeze(d.keys.get(i), depth + 1), freeze(d.values.get(i), depth + 1));
                return entries.toMap(meter);
            }
            if (v instanceof PySet s) {
                int n = s.items.size();
                weight += HeapSizes.hashMap(n, true);
                MapEntries entries = new MapEntries(n, true, meter);
                for (int i = 0; i < n; i++) entries.put(freeze(s.items.get(i), depth + 1), Boolean.TRUE);
                return entries.toMap(meter).keySet();
            }
            throw refuse(describe(v) + " as a value is not supported");
        }
    }

    private static long saturatingAdd(long a, long b) {
        long r = a + b;
        return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
}

package io.wkr.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@code obj} protocol's Python side, against pickles written by Debian's own {@code
 * /usr/bin/python3} and {@code python3-numpy}: every protocol from 2 to 5, compressed and not, the
 * types the original client sends, and hostile pickles that must be refused without running.
 */
class PickleCodecTest {
    private static final Path PYTHON = Path.of("/usr/bin/python3");
    private static final Map<String, Object> PLAIN = Map.of("protocol", -1L, "compress", 0L);
    private static final Map<String, Object> COMPRESSED = Map.of("protocol", -1L, "compress", 1L);

    private final PayloadCodec codec = PayloadCodec.of(Protocol.OBJ, List.of());

    /** What the test's Python scripts build: one value of every type the original client sends. */
    private static final String SAMPLE = String.join("\n",
            "import numpy as np",
            "sample = {'zeros': np.zeros((5, 5)), 'f32': np.arange(6, dtype='float32').reshape(2, 3),",
            "    'big_endian': np.arange(6, dtype='>i4').reshape(2, 3), 'fortran': np.asfortranarray(np.arange(24.).reshape(2, 3, 4)),",
            "    'u8': np.array([1, 2, 255], dtype=np.uint8), 'bools': np.array([True, False]), 'empty': np.zeros((0, 3), dtype='int64'),",
            "    'f16': np.array([1.5, -2], dtype='float16'), 'scalar0d': np.array(7.0),",
            "    'list': [1, 2, 3], 'tuple': (1, 'a', None), 'str': 'h\\u00e9llo \\u2603', 'bytes': b'\\x00\\x01\\xff', 'nobytes': b'',",
            "    'int': 2 ** 70, 'neg': -5, 'i64': -2 ** 40, 'float': 1.5, 'true': True, 'false': False, 'none': None,",
            "    'nested': {'a': [{'b': (1, 2)}], 3: 'int key', (1, 2): 'tuple key'}, 'set': {1, 2}, 'frozen': frozenset(['x']),",
            "    'np_f64': np.float64(2.5), 'np_f32': np.float32(0.25), 'np_i32': np.int32(-7), 'np_u64': np.uint64(2 ** 64 - 1),",
            "    'np_bool': np.bool_(True), 'bytearray': bytearray(b'xy'), 'shared': [[1, 2]] * 3}");

    @ParameterizedTest
    @ValueSource(ints = {2, 3, 4, 5})
    void shouldReadWhatPythonPicklesWithEveryProtocolCompressedOrNot(int protocol) throws Exception {
        for (boolean compress : new boolean[] {false, true}) {
            byte[] pickle = python(SAMPLE + "\nimport pickle, zlib, sys\n"
                    + "p = pickle.dumps(sample, " + protocol + ")\n"
                    + "sys.stdout.buffer.write(zlib.compress(p) if " + (compress ? "True" : "False") + " else p)");
            @SuppressWarnings("unchecked")
            Map<Object, Object> m = (Map<Object, Object>) codec.decode(pickle, compress ? COMPRESSED : PLAIN);
            Tensor zeros = (Tensor) m.get("zeros");
            assertThat(zeros.dtype()).isEqualTo(DType.FLOAT64);
            assertThat(zeros.shape()).containsExactly(5, 5);
            assertThat(zeros.toDoubleArray()).containsOnly(0.0);
            Tensor f32 = (Tensor) m.get("f32");
            assertThat(f32.toFloatArray()).containsExactly(0, 1, 2, 3, 4, 5);
            Tensor be = (Tensor) m.get("big_endian");
            assertThat(be.dtype()).isEqualTo(DType.INT32);
            assertThat(be.toIntArray()).containsExactly(0, 1, 2, 3, 4, 5);
            Tensor fortran = (Tensor) m.get("fortran");
            assertThat(fortran.shape()).containsExactly(2, 3, 4);
            double[] counting = new double[24];
            for (int i = 0; i < 24; i++) counting[i] = i;
            assertThat(fortran.toDoubleArray()).containsExactly(counting);
            assertThat(((Tensor) m.get("u8")).bytes()).containsExactly(1, 2, (byte) 255);
            assertThat(((Tensor) m.get("bools")).dtype()).isEqualTo(DType.BOOL);
            assertThat(((Tensor) m.get("empty")).shape()).containsExactly(0, 3);
            assertThat(((Tensor) m.get("f16")).dtype()).isEqualTo(DType.FLOAT16);
            assertThat(((Tensor) m.get("scalar0d")).shape()).isEmpty();
            assertThat(m.get("list")).isEqualTo(List.of(1L, 2L, 3L));
            assertThat((Object[]) m.get("tuple")).containsExactly(1L, "a", null);
            assertThat(m.get("str")).isEqualTo("h\u00e9llo \u2603");
            assertThat((byte[]) m.get("bytes")).containsExactly(0, 1, (byte) 0xff);
            assertThat((byte[]) m.get("nobytes")).isEmpty();
            assertThat(m.get("int")).isEqualTo(BigInteger.TWO.pow(70));
            assertThat(m.get("neg")).isEqualTo(-5L);
            assertThat(m.get("i64")).isEqualTo(-(1L << 40));
            assertThat(m.get("float")).isEqualTo(1.5);
            assertThat(m.get("true")).isEqualTo(true);
            assertThat(m.get("false")).isEqualTo(false);
            assertThat(m).containsEntry("none", null);
            @SuppressWarnings("unchecked")
            Map<Object, Object> nested = (Map<Object, Object>) m.get("nested");
            assertThat(nested.get(3L)).isEqualTo("int key");
            assertThat(nested.values()).contains("tuple key");
            assertThat(m.get("set")).isEqualTo(Set.of(1L, 2L));
            assertThat(m.get("frozen")).isEqualTo(Set.of("x"));
            assertThat(m.get("np_f64")).isEqualTo(2.5);
            assertThat(m.get("np_f32")).isEqualTo(0.25);
            assertThat(m.get("np_i32")).isEqualTo(-7L);
            assertThat(m.get("np_u64")).isEqualTo(BigInteger.TWO.pow(64).subtract(BigInteger.ONE));
            assertThat(m.get("np_bool")).isEqualTo(true);
            assertThat((byte[]) m.get("bytearray")).containsExactly('x', 'y');
            assertThat(m.get("shared")).isEqualTo(List.of(List.of(1L, 2L), List.of(1L, 2L), List.of(1L, 2L)));
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {2, 5})
    void shouldWriteBackWhatPythonReadsAsTheSameValues(int protocol) throws Exception {
        byte[] pickle = python(SAMPLE + "\nimport pickle, sys\nsys.stdout.buffer.write(pickle.dumps(sample, " + protocol + "))");
        Object value = codec.decode(pickle, PLAIN);
        PayloadCodec.Encoded reply = codec.encodeReply(value, PLAIN);
        assertThat(new String(reply.info(), StandardCharsets.US_ASCII)).isEqualTo("{\"protocol\":-1,\"compress\":0}");
        String out = new String(pythonWithInput(SAMPLE + "\n" + String.join("\n",
                "import pickle, sys",
                "back = pickle.loads(sys.stdin.buffer.read())",
                "def same(a, b, path):",
                "    if isinstance(a, np.ndarray):",
                "        assert isinstance(b, np.ndarray) and a.dtype.newbyteorder('<') == b.dtype.newbyteorder('<') and a.shape == b.shape and np.array_equal(a, b), path",
                "        assert b.flags.writeable, path",
                "    elif isinstance(a, dict):",
                "        assert type(b) is dict and set(a) == set(b), path",
                "        for k in a: same(a[k], b[k], path + '/' + str(k))",
                "    elif isinstance(a, (list, tuple)):",
                "        assert type(a) is type(b) and len(a) == len(b), path",
                "        for i, (x, y) in enumerate(zip(a, b)): same(x, y, path + '/' + str(i))",
                "    elif isinstance(a, (frozenset, bytearray, np.generic)):",
                "        assert a == b, path",
                "    else:",
                "        assert type(a) is type(b) and a == b, (path, a, b)",
                "same(sample, back, '')",
                "print('same')"), reply.payload()), StandardCharsets.UTF_8);
        assertThat(out.strip()).isEqualTo("same");
    }

    @Test
    void shouldWriteJavaValuesAsThePythonValuesTheyStandFor() throws Exception {
        Map<Object, Object> m = new LinkedHashMap<>();
        m.put("t", Tensor.of(new float[] {1, 2, 3, 4}, 2, 2));
        m.put("u8", Tensor.ofUint8(new byte[] {1, (byte) 200}, 2));
        m.put("ints", new int[] {1, 2});
        m.put("list", new ArrayList<>(List.of(1, 2L, (short) 3)));
        m.put("tuple", new Object[] {"a", null, true});
        m.put("set", new LinkedHashSet<>(List.of("s")));
        m.put("big", BigInteger.TWO.pow(100).negate());
        m.put("long", Long.MIN_VALUE);
        m.put("f", 0.5f);
        m.put("bytes", new byte[300]);
        m.put(7, "int key");
        String out = new String(pythonWithInput(String.join("\n",
                "import pickle, sys, numpy as np",
                "d = pickle.loads(sys.stdin.buffer.read())",
                "assert d['t'].dtype == np.float32 and d['t'].shape == (2, 2) and d['t'].tolist() == [[1, 2], [3, 4]]",
                "assert d['u8'].dtype == np.uint8 and d['u8'].tolist() == [1, 200]",
                "assert d['ints'].dtype == np.int32 and d['ints'].tolist() == [1, 2]",
                "assert d['list'] == [1, 2, 3] and d['tuple'] == ('a', None, True) and d['set'] == {'s'}",
                "assert d['big'] == -2 ** 100 and d['long'] == -2 ** 63 and d['f'] == 0.5",
                "assert d['bytes'] == bytes(300) and d[7] == 'int key'",
                "print('ok')"), codec.encodeReply(m, PLAIN).payload()), StandardCharsets.UTF_8);
        assertThat(out.strip()).isEqualTo("ok");
    }

    @Test
    void shouldReadAnOriginalServersStatusDictWithStringKeysAndRefuseAnythingElse() {
        Map<Object, Object> status = new LinkedHashMap<>();
        status.put("protocol", "numpy");
        status.put(7, List.of(-1L));
        assertThat(PickleCodec.decodeStatus(PickleEncoder.encode(status), PLAIN))
                .containsExactly(Map.entry("protocol", "numpy"), Map.entry("7", List.of(-1L)));
        assertThatThrownBy(() -> PickleCodec.decodeStatus(PickleEncoder.encode(List.of("x")), PLAIN))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("a status is a dict, got");
        assertThatThrownBy(() -> PickleCodec.decodeStatus(PickleEncoder.encode(status), Map.of("format", "json")))
                .isInstanceOf(BadRequestException.class).hasMessageContaining("is not a pickle's");
    }

    @Test
    void shouldRefuseToWriteWhatAPickleCannotCarryOrAValueThatContainsItself() {
        assertThatThrownBy(() -> codec.encodeReply(new StringBuilder("x"), PLAIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot write java.lang.StringBuilder");
        List<Object> loop = new ArrayList<>();
        loop.add(loop);
        assertThatThrownBy(() -> codec.encodeReply(loop, PLAIN))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("nested deeper than");
    }

    @Test
    void shouldAnswerJavaClientsInKryoAndTellTheTwoApartByTheInfo() {
        Map<String, Object> kryo = Map.of("codec", "kryo");
        PayloadCodec.Encoded k = codec.encodeReply(List.of("x"), kryo);
        assertThat(new String(k.info(), StandardCharsets.US_ASCII)).isEqualTo("{\"codec\":\"kryo\"}");
        assertThat(codec.decode(k.payload(), kryo)).isEqualTo(List.of("x"));
        assertThat(codec.encode("x", 0).info()).isEqualTo(k.info());
        assertThat(PickleCodec.isPickleInfo(PLAIN)).isTrue();
        assertThat(PickleCodec.isPickleInfo(kryo)).isFalse();
        assertThat(PickleCodec.isPickleInfo(Map.of())).isFalse();
    }

    // ------------------------------------------------------------------ hostile pickles

    private static final String EVIL = String.join("\n",
            "import os, pickle, subprocess, sys, zlib",
            "class Call:",
            "    def __init__(self, f, *args): self.f, self.args = f, args",
            "    def __reduce__(self): return (self.f, self.args)",
            "class Unknown:",
            "    pass",
            "P = int(sys.argv[1])",
            "def out(b): sys.stdout.buffer.write(b)");

    @ParameterizedTest
    @ValueSource(ints = {2, 5})
    void shouldRefuseEveryGlobalOffTheAllowListNamingItAndRunNothing(int protocol) throws Exception {
        Path marker = Files.createTempFile("wkr-pickle-", ".marker");
        Files.delete(marker);
        String touch = "touch " + marker;
        assertRefused(EVIL + "\nout(pickle.dumps(Call(os.system, '" + touch + "'), P))", protocol, "global posix.system");
        assertRefused(EVIL + "\nout(pickle.dumps(Call(eval, 'open(\"" + marker + "\", \"w\")'), P))", protocol, "builtin" + (protocol == 2 ? "__" : "s") + ".eval is not allowed");
        assertRefused(EVIL + "\nout(pickle.dumps(Call(subprocess.Popen, ['" + touch + "']), P))", protocol, ".Popen is not allowed");
        assertRefused(EVIL + "\nout(pickle.dumps(Unknown(), P))", protocol, "global __main__.Unknown");
        assertRefused(EVIL + "\nout(pickle.dumps([1, {'a': Call(getattr, 'x', 'upper')}], P))", protocol, ".getattr is not allowed");
        assertRefused(EVIL + "\nimport collections\nout(pickle.dumps(collections.OrderedDict(a=1), P))", protocol,
                "global collections.OrderedDict");
        assertRefused(EVIL + "\nout(pickle.dumps(complex(1, 2), P))", protocol, ".complex is not allowed");
        assertThat(marker).doesNotExist();
    }

    @Test
    void shouldRefuseHandWrittenAbuseOfAllowedGlobals() {
        // numpy.dtype called directly with BUILD on a list; REDUCE on a non-global; NEWOBJ; an
        // ndarray as REDUCE's callable; a dtype of Python objects
        assertThatThrownBy(() -> decode("\u0080\u0002]K\u0001\u0085R.")).hasMessageContaining("REDUCE on a list");
        assertThatThrownBy(() -> decode("\u0080\u0002]]b.")).hasMessageContaining("BUILD on a list");
        assertThatThrownBy(() -> decode("\u0080\u0002cbuiltins\nset\n)\u0081.")).hasMessageContaining("NEWOBJ");
        assertThatThrownBy(() -> decode("\u0080\u0002cnumpy\nndarray\n)R.")).hasMessageContaining("numpy.ndarray");
        assertThatThrownBy(() -> decode("\u0080\u0002cnumpy\ndtype\nX\u0002\u0000\u0000\u0000O8\u0085R."))
                .hasMessageContaining("Python objects");
        assertThatThrownBy(() -> decode("\u0080\u0002cos\nsystem\n.")).hasMessageContaining("global os.system");
        assertThatThrownBy(() -> decode("\u0080\u0002N")).hasMessageContaining("truncated");
        assertThatThrownBy(() -> decode("\u0080\u0002N.N")).hasMessageContaining("after the STOP");
        assertThatThrownBy(() -> decode("\u0080\u0002h\u0009.")).hasMessageContaining("memo entry 9");
        assertThatThrownBy(() -> decode("\u0080\u0002X\u00ff\u00ff\u00ff\u00ff.")).hasMessageContaining("truncated");
        assertThatThrownBy(() -> decode("\u0080\u0002(((((.")).hasMessageContaining("malformed");
    }

    private Object decode(String latin1) {
        return codec.decode(latin1.getBytes(StandardCharsets.ISO_8859_1), PLAIN);
    }

    @Test
    void shouldRefuseBombsByTheLimits() throws Exception {
        // nesting past maxDepth (64)
        assertRefused(EVIL + "\nx = 0\nfor i in range(100): x = [x]\nout(pickle.dumps(x, P))", 4, "maxDepth");
        // a tiny pickle whose shared references stand for 10^30 values
        assertRefused(EVIL + "\nx = [0] * 10\nfor i in range(30): x = [x] * 10\nout(pickle.dumps(x, P))", 4,
                "bytes of heap");
        // a list that contains itself
        assertRefused(EVIL + "\nx = []\nx.append(x)\nout(pickle.dumps(x, P))", 4, "cycle");
        // a numpy array that claims more elements than its data holds
        assertRefused(EVIL + "\nimport numpy as np\nout(pickle.dumps(np.zeros(4), P).replace(b'K\\x04\\x85', b'J\\xff\\xff\\xff\\x7f\\x85'))",
                3, "needs");
        // 64 MiB of zeros in 64 KB of zlib: inflated only up to -max_request_bytes (16 MiB)
        byte[] bomb = python(EVIL + "\nout(zlib.compress(pickle.dumps(bytes(64 << 20), 4), 9))", 4);
        assertThat(bomb.length).isLessThan(1 << 20);
        assertThatThrownBy(() -> codec.decode(bomb, COMPRESSED)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("inflates to more than 16777216 bytes");
        // the same, small enough, reads
        byte[] fine = python(EVIL + "\nout(zlib.compress(pickle.dumps(bytes(1 << 20), 4), 9))", 4);
        assertThat((byte[]) codec.decode(fine, COMPRESSED)).hasSize(1 << 20);
        // a huge list of Nones: past the payload's heap allowance
        PickleCodec strict = new PickleCodec(new DecodeLimits(12, 1 << 20, 1000, 1 << 20, 64, 64, 16), 1 << 20);
        byte[] many = python(EVIL + "\nout(pickle.dumps([None] * 5000, P))", 4);
        assertThatThrownBy(() -> strict.decode(many, PLAIN)).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("maxElements");
        // the budget is asked before decoding allocates, and can refuse
        assertThatThrownBy(() -> codec.decode(python(EVIL + "\nout(pickle.dumps(['x' * 100000], P))", 4), PLAIN, bytes -> {
            if (bytes > 50_000) throw new OverloadedException("full");
        })).isInstanceOf(OverloadedException.class);
    }

    private void assertRefused(String script, int protocol, String naming) throws Exception {
        byte[] pickle = python(script, protocol);
        assertThatThrownBy(() -> codec.decode(pickle, PLAIN)).as(naming)
                .isInstanceOf(BadRequestException.class)
                .hasMessageContaining(naming);
    }

    // ------------------------------------------------------------------ Debian's python3

    static byte[] python(String script, Object... args) throws IOException, InterruptedException {
        return pythonWithInput(script, new byte[0], args);
    }

    static byte[] pythonWithInput(String script, byte[] stdin, Object... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of(PYTHON.toString(), "-c", script));
        for (Object a : args) cmd.add(String.valueOf(a));
        Path err = Files.createTempFile("wkr-python-", ".err");
        try {
            Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(stdin);
            }
            byte[] out;
            try (InputStream o = p.getInputStream()) {
                out = o.readAllBytes();
            }
            assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("python exited").isTrue();
            assertThat(p.exitValue()).as("python failed: " + Files.readString(err)).isZero();
            return out;
        } finally {
            Files.deleteIfExists(err);
        }
    }
}

package io.wkr.server.djl;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.wkr.protocol.BadRequestException;
import io.wkr.protocol.DType;
import io.wkr.protocol.Tensor;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Tensor to NDArray and back, on the PyTorch engine (CPU). */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NDArraysTest {
    private NDManager manager;

    @BeforeEach
    void open() {
        DjlEnvironment.offlineByDefault();
        manager = NDManager.newBaseManager(DjlEnvironment.device(-1), DjlEnvironment.ENGINE);
    }

    @AfterEach
    void close() {
        manager.close();
    }

    @Test
    void shouldMapEveryDtypeBothWays() {
        for (DType t : DType.values()) {
            assertThat(NDArrays.dtype(NDArrays.dataType(t))).isEqualTo(t);
            assertThat(NDArrays.dataType(t).getNumOfBytes()).isEqualTo(t.byteSize());
        }
        assertThatThrownBy(() -> NDArrays.dtype(DataType.BFLOAT16)).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bfloat16");
    }

    @Test
    void shouldRoundTripValuesShapesAndDtypes() {
        Tensor f = Tensor.of(new float[] {1, -2, 3.5f, 4, 5, 6}, 2, 3);
        NDArray a = NDArrays.toNDArray(manager, f);
        assertThat(a.getShape()).isEqualTo(new Shape(2, 3));
        assertThat(a.getDataType()).isEqualTo(DataType.FLOAT32);
        assertThat(a.toFloatArray()).containsExactly(1, -2, 3.5f, 4, 5, 6);
        assertThat(NDArrays.toTensor(a.mul(2))).isEqualTo(Tensor.of(new float[] {2, -4, 7, 8, 10, 12}, 2, 3));
        Tensor l = Tensor.of(new long[] {Long.MAX_VALUE, -1});
        assertThat(NDArrays.toTensor(NDArrays.toNDArray(manager, l))).isEqualTo(l);
        Tensor u = Tensor.ofUint8(new byte[] {(byte) 255, 0, 7}, 3, 1);
        assertThat(NDArrays.toTensor(NDArrays.toNDArray(manager, u))).isEqualTo(u);
        Tensor d = Tensor.of(new double[] {Math.PI});
        assertThat(NDArrays.toTensor(NDArrays.toNDArray(manager, d))).isEqualTo(d);
    }

    @Test
    void shouldStackAndUnstackAsABatch() {
        List<Tensor> items = List.of(Tensor.of(new float[] {1, 2}), Tensor.of(new float[] {3, 4}), Tensor.of(new float[] {5, 6}));
        ByteBuffer staging = ByteBuffer.allocateDirect(64);
        NDArray batch = NDArrays.stack(manager, items, staging);
        assertThat(batch.getShape()).isEqualTo(new Shape(3, 2));
        assertThat(batch.toFloatArray()).containsExactly(1, 2, 3, 4, 5, 6);
        assertThat(NDArrays.unstack(batch)).containsExactlyElementsOf(items);
        // A transposed result is not contiguous: unstack still reads it in logical order.
        assertThat(NDArrays.unstack(batch.transpose())).containsExactly(Tensor.of(new float[] {1, 3, 5}), Tensor.of(new float[] {2, 4, 6}));
        assertThatThrownBy(() -> NDArrays.stack(manager, List.of(items.get(0), Tensor.of(new float[] {1})), null))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> NDArrays.stack(manager, items, ByteBuffer.allocateDirect(8)))
                .hasMessageContaining("need 24");
    }

    @Test
    void shouldCheckInputsAgainstASpec() {
        TensorSpec spec = TensorSpec.of(DType.FLOAT32, 3, -1);
        spec.check(Tensor.of(new float[6], 3, 2));
        spec.check(Tensor.of(new float[3], 3, 1));
        assertThatThrownBy(() -> spec.check(Tensor.of(new float[6], 2, 3))).isInstanceOf(BadRequestException.class)
                .hasMessageContaining("float32 [3, *]").hasMessageContaining("got float32 [2, 3]");
        assertThatThrownBy(() -> spec.check(Tensor.of(new double[6], 3, 2))).hasMessageContaining("got float64");
        assertThatThrownBy(() -> spec.check(Tensor.of(new float[3]))).isInstanceOf(BadRequestException.class);
    }
}

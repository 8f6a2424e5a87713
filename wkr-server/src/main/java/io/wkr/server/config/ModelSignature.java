package io.wkr.server.config;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The tensors a worker takes and gives, for the standard inference protocols (docs/protocols.md):
 * a worker returns one from {@code WKRHardWorker.signature()}. Every request of those protocols
 * must send each input once, with its datatype and a shape it accepts; each request is one item
 * of a batch. A worker with one input gets that tensor as its input ({@code Tensor} on a {@code
 * numpy} server; on an {@code obj} server a {@code String} or {@code byte[]} when the worker's
 * input type is one of those and the tensor is one {@code BYTES} element, else the tensor as a map
 * {@code {"name", "datatype", "shape", "data"}}); a worker with several inputs ({@code obj} servers
 * only) gets a map from input name to such a map. A worker with one output returns it; with
 * several, a map from output name to each.
 *
 * @param inputs at least one, names unique
 * @param outputs at least one, names unique
 */
public record ModelSignature(List<TensorSpec> inputs, List<TensorSpec> outputs) {
    public ModelSignature {
        inputs = List.copyOf(inputs);
        outputs = List.copyOf(outputs);
        if (inputs.isEmpty()) throw new IllegalArgumentException("a model signature needs at least one input");
        if (outputs.isEmpty()) throw new IllegalArgumentException("a model signature needs at least one output");
        unique(inputs, "input");
        unique(outputs, "output");
    }

    /** One input and one output. */
    public static ModelSignature of(TensorSpec input, TensorSpec output) {
        return new ModelSignature(List.of(input), List.of(output));
    }

    private static void unique(List<TensorSpec> specs, String what) {
        Set<String> names = new HashSet<>();
        for (TensorSpec s : specs) {
            if (!names.add(s.name())) throw new IllegalArgumentException("two " + what + "s are named " + s.name());
        }
    }
}

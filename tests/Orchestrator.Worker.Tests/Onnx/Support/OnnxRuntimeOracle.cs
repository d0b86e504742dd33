using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Orchestrator.Worker.Engine.Onnx;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>ONNX Runtime as the reference for the importer: the same model bytes, the same input values, its
/// outputs as TorchSharp tensors. Graph optimisations are off so ORT runs the nodes as written.</summary>
internal static class OnnxRuntimeOracle
{
    public static TorchSharp.torch.Tensor[] Run(byte[] model, IReadOnlyList<(string Name, TorchSharp.torch.Tensor Value)> inputs, IReadOnlyList<string> outputs)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        return Run(session, inputs, outputs);
    }

    /// <summary>Like <see cref="Run(byte[], IReadOnlyList{ValueTuple{string, TorchSharp.torch.Tensor}}, IReadOnlyList{string})"/>,
    /// but an input declared with batch 1 and given more is fed one sample at a time (ORT checks declared
    /// dimensions; the importer must not), and the results are concatenated along the batch.</summary>
    public static TorchSharp.torch.Tensor[] RunPerSampleWhereDeclared(byte[] model, OnnxGraph graph, IReadOnlyList<(string Name, TorchSharp.torch.Tensor Value)> inputs, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var batch = inputs.Where(i => graph.Inputs.Any(d => d.Name == i.Name && d.Dimensions.Count > 0 && d.Dimensions[0] == 1)).Select(i => i.Value.shape[0]).DefaultIfEmpty(1).Max();
        if (batch == 1)
        {
            return Run(model, inputs, outputs);
        }

        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_DISABLE_ALL };
        using var session = new InferenceSession(model, options);
        var perSample = Enumerable.Range(0, (int)batch)
            .Select(b => Run(session, [.. inputs.Select(i => (i.Name, i.Value.shape[0] == batch ? i.Value.narrow(0, b, 1) : i.Value))], outputs))
            .ToList();
        return [.. Enumerable.Range(0, outputs.Count).Select(o => cat([.. perSample.Select(s => s[o])], 0))];
    }

    public static TorchSharp.torch.Tensor[] Run(InferenceSession session, IReadOnlyList<(string Name, TorchSharp.torch.Tensor Value)> inputs, IReadOnlyList<string> outputs)
    {
        ArgumentNullException.ThrowIfNull(session);
        var feeds = inputs.Select(i => ToOrt(i.Name, i.Value)).ToList();
        using var results = session.Run(feeds, outputs);
        return [.. results.Select(FromOrt)];
    }

    private static NamedOnnxValue ToOrt(string name, TorchSharp.torch.Tensor value)
    {
        using var contiguous = value.cpu().contiguous();
        var dims = contiguous.shape.Select(d => (int)d).ToArray();
        return contiguous.dtype switch
        {
            ScalarType.Float32 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<float>(contiguous.data<float>().ToArray(), dims)),
            ScalarType.Int64 => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<long>(contiguous.data<long>().ToArray(), dims)),
            ScalarType.Bool => NamedOnnxValue.CreateFromTensor(name, new DenseTensor<bool>(contiguous.data<bool>().ToArray(), dims)),
            _ => throw new NotSupportedException($"input '{name}': {contiguous.dtype} is not fed to ONNX Runtime by these tests"),
        };
    }

    private static TorchSharp.torch.Tensor FromOrt(DisposableNamedOnnxValue value) => value.Value switch
    {
        Tensor<float> t => tensor(t.ToArray(), Shape(t)),
        Tensor<long> t => tensor(t.ToArray(), Shape(t)),
        Tensor<bool> t => tensor(t.ToArray(), Shape(t)),
        Tensor<int> t => tensor(t.ToArray(), Shape(t)),
        _ => throw new NotSupportedException($"output '{value.Name}' has a type these tests do not read"),
    };

    private static long[] Shape<T>(Tensor<T> t) => [.. t.Dimensions.ToArray().Select(d => (long)d)];
}

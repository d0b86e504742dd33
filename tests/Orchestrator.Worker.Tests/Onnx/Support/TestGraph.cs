using Google.Protobuf;
using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Engine.Onnx.Format;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>A small ONNX model written in a few readable lines, for every test that needs one (importer parity,
/// hand-computed torch checks, tower fixtures). Float initializers are drawn from a seeded generator, or given as a
/// torch tensor the test also computes with, so a graph is the same bytes on every run.</summary>
internal sealed class TestGraph
{
    private readonly GraphProto graph = new() { Name = "test" };
    private readonly ModelProto model;
    private readonly SeededValues values;

    public TestGraph(string name, long opset, int seed = 1, long irVersion = 8)
    {
        Name = name;
        values = new SeededValues(seed);
        model = new ModelProto { IrVersion = irVersion, ProducerName = "importer tests", Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
    }

    public string Name { get; }

    public IEnumerable<string> OperatorTypes => graph.Node.Select(n => n.OpType);

    public ModelProto Model => model;

    /// <summary>A float input; null dims are symbolic (any batch, any length).</summary>
    public TestGraph Input(string name, params long?[] dims) => AddInput(name, TensorProto.Types.DataType.Float, dims);

    public TestGraph LongInput(string name, params long?[] dims) => AddInput(name, TensorProto.Types.DataType.Int64, dims);

    public TestGraph Output(params string[] names)
    {
        graph.Output.AddRange(names.Select(n => new ValueInfoProto { Name = n }));
        return this;
    }

    /// <summary>An output with its type and shape, for readers that take a width from the graph (an ONNX tower's features).</summary>
    public TestGraph FloatOutput(string name, params long?[] dims)
    {
        graph.Output.Add(TypedValue(name, TensorProto.Types.DataType.Float, dims));
        return this;
    }

    /// <summary>A float initializer of normal values times <paramref name="scale"/>.</summary>
    public TestGraph Weight(string name, long[] shape, float scale = 0.5f) =>
        Floats(name, shape, values.Normal(Count(shape), scale));

    /// <summary>A float initializer of uniform values in [low, high): variances, divisors.</summary>
    public TestGraph Uniform(string name, long[] shape, float low, float high) =>
        Floats(name, shape, values.Uniform(Count(shape), low, high));

    public TestGraph Floats(string name, long[] shape, float[] data)
    {
        graph.Initializer.Add(OnnxTensors.Float(name, shape, data));
        return this;
    }

    /// <summary>A float initializer holding a torch tensor's values, for tests that compute the expected result from the same tensor.</summary>
    public TestGraph Floats(string name, Tensor value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Floats(name, value.shape, value.contiguous().data<float>().ToArray());
    }

    /// <summary>A scalar float initializer in the typed float_data field (as hand-written graphs write one), so that decoding is exercised too.</summary>
    public TestGraph FloatScalar(string name, float value)
    {
        graph.Initializer.Add(new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, FloatData = { value } });
        return this;
    }

    public TestGraph Longs(string name, params long[] data) => Longs(name, [data.Length], data);

    public TestGraph Longs(string name, long[] shape, long[] data)
    {
        graph.Initializer.Add(OnnxTensors.Long(name, shape, data));
        return this;
    }

    /// <summary>A node; inputs and outputs are comma-separated value names, an empty entry an omitted optional input.</summary>
    public TestGraph Node(string op, string inputs, string outputs, params AttributeProto[] attributes)
    {
        var outputNames = Split(outputs);
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputNames[0]}" };
        node.Input.AddRange(inputs.Length == 0 ? [] : Split(inputs));
        node.Output.AddRange(outputNames);
        node.Attribute.AddRange(attributes);
        graph.Node.Add(node);
        return this;
    }

    public byte[] Bytes() => model.ToByteArray();

    public OnnxGraph Parse() => OnnxGraph.Parse(Bytes(), $"{Name}.onnx");

    private TestGraph AddInput(string name, TensorProto.Types.DataType type, long?[] dims)
    {
        graph.Input.Add(TypedValue(name, type, dims));
        return this;
    }

    private static ValueInfoProto TypedValue(string name, TensorProto.Types.DataType type, long?[] dims)
    {
        var shape = new TensorShapeProto();
        var symbol = 0;
        shape.Dim.AddRange(dims.Select(d => d is null
            ? new TensorShapeProto.Types.Dimension { DimParam = $"{name}_d{symbol++}" }
            : new TensorShapeProto.Types.Dimension { DimValue = d.Value }));
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } },
        };
    }

    private static string[] Split(string names) => [.. names.Split(',').Select(n => n.Trim())];

    private static int Count(long[] shape) => (int)shape.Aggregate(1L, (a, b) => a * b);
}

using Orchestrator.Worker.Engine.Onnx.Format;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>A node being prepared: its attributes, the values of its inputs that are known before any forward
/// (initializers, Constant nodes), and the problems found with it.</summary>
internal sealed class OnnxNode
{
    private readonly NodeProto proto;
    private readonly Dictionary<string, AttributeProto> attributes;
    private readonly Func<string, Tensor?> constantValue;
    private readonly Func<string, bool> isNeeded;
    private readonly List<string> problems;

    public OnnxNode(NodeProto proto, int index, long opset, Func<string, Tensor?> constantValue, Func<string, bool> isNeeded, List<string> problems)
    {
        this.proto = proto;
        this.constantValue = constantValue;
        this.isNeeded = isNeeded;
        this.problems = problems;
        Opset = opset;
        DisplayName = DisplayNameOf(proto, index);
        attributes = [];
        foreach (var attribute in proto.Attribute)
        {
            attributes[attribute.Name] = attribute;
        }
    }

    public string OpType => proto.OpType;

    public long Opset { get; }

    public string DisplayName { get; }

    public int InputCount => proto.Input.Count;

    public int OutputCount => proto.Output.Count;

    public static string DisplayNameOf(NodeProto proto, int index) =>
        proto.Name.Length > 0 ? proto.Name : $"#{index} ({proto.OpType} → {string.Join(", ", proto.Output)})";

    public bool HasInput(int index) => index < proto.Input.Count && proto.Input[index].Length > 0;

    /// <summary>The input's value when it is an initializer or a Constant node's output (on the CPU), else null.</summary>
    public Tensor? ConstantInput(int index) => HasInput(index) ? constantValue(proto.Input[index]) : null;

    public long[]? ConstantInputValues(int index)
    {
        var value = ConstantInput(index);
        return value is null ? null : ShapeValues.Read(value);
    }

    public void Refuse(string what) =>
        problems.Add($"node '{DisplayName}' ({OpType}, opset {Opset}): {what}");

    /// <summary>Refuses the node when a later node or the caller needs an output this importer does not compute
    /// (e.g. BatchNormalization's saved statistics, Dropout's mask).</summary>
    public void ProducesOnly(int outputs)
    {
        for (var i = outputs; i < proto.Output.Count; i++)
        {
            if (proto.Output[i].Length > 0 && isNeeded(proto.Output[i]))
            {
                Refuse($"output {i} ('{proto.Output[i]}') is not computed by this importer; only the first {outputs} output(s) are");
            }
        }
    }

    public bool Has(string name) => attributes.ContainsKey(name);

    public long Int(string name, long fallback) => attributes.TryGetValue(name, out var a) ? a.I : fallback;

    public float Float(string name, float fallback) => attributes.TryGetValue(name, out var a) ? a.F : fallback;

    public string String(string name, string fallback) =>
        attributes.TryGetValue(name, out var a) ? a.S.ToStringUtf8() : fallback;

    public long[]? Ints(string name) => attributes.TryGetValue(name, out var a) ? [.. a.Ints] : null;

    public float[]? Floats(string name) => attributes.TryGetValue(name, out var a) ? [.. a.Floats] : null;

    public TensorProto? TensorAttribute(string name) => attributes.TryGetValue(name, out var a) ? a.T : null;

    public AttributeProto? Attribute(string name) => attributes.GetValueOrDefault(name);

    public IEnumerable<string> AttributeNames => attributes.Keys;
}

using Google.Protobuf;
using Orchestrator.Worker.Engine.Onnx.Format;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>A parsed ONNX model: what it takes, what it gives, and which of its operators this importer runs.
/// Weights stay in protobuf form until an <see cref="OnnxModule"/> is built from it.</summary>
public sealed class OnnxGraph
{
    private readonly HashSet<string> produced;

    private OnnxGraph(ModelProto model, string origin, string? externalDataFolder)
    {
        Origin = origin;
        ExternalDataFolder = externalDataFolder;
        Graph = model.Graph ?? throw new OnnxImportException($"{origin}: the model has no graph");
        Opset = model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx").Select(o => o.Version).DefaultIfEmpty(1).Max();
        Initializers = [];
        foreach (var initializer in Graph.Initializer)
        {
            Initializers[initializer.Name] = initializer;
        }

        Inputs = [.. Graph.Input.Where(i => !Initializers.ContainsKey(i.Name)).Select(Describe)];
        Outputs = [.. Graph.Output.Select(Describe)];
        produced = [.. Inputs.Select(i => i.Name), .. Initializers.Keys, .. Graph.Node.SelectMany(n => n.Output).Where(o => o.Length > 0)];
    }

    public string Origin { get; }

    public long Opset { get; }

    public IReadOnlyList<OnnxValue> Inputs { get; }

    public IReadOnlyList<OnnxValue> Outputs { get; }

    public static IReadOnlyCollection<string> SupportedOperators => OperatorRegistry.OperatorTypes;

    internal GraphProto Graph { get; }

    internal string? ExternalDataFolder { get; }

    internal Dictionary<string, TensorProto> Initializers { get; }

    public static OnnxGraph Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException($"{path}: cannot read the ONNX file: {e.Message}", e);
        }

        return Parse(bytes, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    public static OnnxGraph Parse(byte[] bytes, string origin, string? externalDataFolder = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        ArgumentNullException.ThrowIfNull(origin);
        try
        {
            return new OnnxGraph(ModelProto.Parser.ParseFrom(bytes), origin, externalDataFolder);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new OnnxImportException($"{origin}: not an ONNX model ({e.Message})", e);
        }
    }

    public bool Produces(string valueName) => produced.Contains(valueName);

    public IReadOnlyList<string> Unsupported(IReadOnlyList<string>? outputs = null)
    {
        var needed = NeededNodes(outputs ?? [.. Outputs.Select(o => o.Name)]);
        return [.. needed.Where(i => !OperatorRegistry.Supports(Graph.Node[i])).Select(i => UnsupportedMessage(Graph.Node[i], i))];
    }

    internal string UnsupportedMessage(NodeProto node, int index)
    {
        var domain = node.Domain is "" or "ai.onnx" ? "" : $" in domain '{node.Domain}', which this importer does not run";
        return $"operator '{node.OpType}' (node '{OnnxNode.DisplayNameOf(node, index)}', opset {Opset}) is not supported{domain}";
    }

    /// <summary>Indices, in graph order, of the nodes the given values depend on.</summary>
    internal List<int> NeededNodes(IEnumerable<string> outputs)
    {
        var producer = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < Graph.Node.Count; i++)
        {
            foreach (var output in Graph.Node[i].Output.Where(o => o.Length > 0))
            {
                producer[output] = i;
            }
        }

        var needed = new HashSet<int>();
        var pending = new Stack<string>(outputs);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (pending.Count > 0)
        {
            var value = pending.Pop();
            if (!seen.Add(value) || !producer.TryGetValue(value, out var node) || !needed.Add(node))
            {
                continue;
            }

            foreach (var input in Graph.Node[node].Input.Where(n => n.Length > 0))
            {
                pending.Push(input);
            }
        }

        return [.. needed.Order()];
    }

    private static OnnxValue Describe(ValueInfoProto value)
    {
        var tensorType = value.Type?.TensorType;
        var dims = tensorType?.Shape?.Dim.Select(d => d.ValueCase == TensorShapeProto.Types.Dimension.ValueOneofCase.DimValue ? d.DimValue : (long?)null).ToList() ?? [];
        return new OnnxValue(value.Name, tensorType?.ElemType ?? 0, dims);
    }
}

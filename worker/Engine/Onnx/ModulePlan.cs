using Orchestrator.Worker.Engine.Onnx.Format;
using Orchestrator.Worker.Engine.Onnx.Operators;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>Works out, once, everything <see cref="OnnxModule"/> needs to run: the nodes the outputs depend on,
/// their prepared steps, the slot of every value and when it can be freed. Collects every problem before throwing.</summary>
internal sealed class ModulePlan
{
    private readonly OnnxGraph graph;
    private readonly List<string> problems = [];
    private readonly Dictionary<string, int> slots = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tensor?> constants = new(StringComparer.Ordinal);
    private readonly List<(string Name, Tensor Value)> constantNodes = [];

    public ModulePlan(OnnxGraph graph, IReadOnlyList<string> outputs)
    {
        this.graph = graph;
        OutputNames = [.. outputs];
        foreach (var output in outputs.Where(o => !graph.Produces(o)))
        {
            problems.Add($"output '{output}' is not a value of {graph.Origin} (its graph outputs are: {string.Join(", ", graph.Outputs.Select(o => o.Name))})");
        }

        var needed = graph.NeededNodes(outputs);
        var neededValues = new HashSet<string>(outputs, StringComparer.Ordinal);
        foreach (var i in needed)
        {
            neededValues.UnionWith(graph.Graph.Node[i].Input.Where(n => n.Length > 0));
        }

        var batchNormStatistics = needed.Select(i => graph.Graph.Node[i])
            .Where(n => n.OpType == "BatchNormalization")
            .SelectMany(n => n.Input.Skip(3).Take(2))
            .ToHashSet(StringComparer.Ordinal);
        var available = new HashSet<string>(graph.Inputs.Select(i => i.Name), StringComparer.Ordinal);
        available.UnionWith(graph.Initializers.Keys);
        var prepared = new List<(NodeProto Node, string Description, NodeStep Step)>();
        foreach (var i in needed)
        {
            var node = graph.Graph.Node[i];
            foreach (var input in node.Input.Where(n => n.Length > 0 && !available.Contains(n)))
            {
                problems.Add($"node '{OnnxNode.DisplayNameOf(node, i)}' ({node.OpType}) uses '{input}', which no graph input, initializer or earlier node produces");
            }

            available.UnionWith(node.Output.Where(o => o.Length > 0));
            if (!OperatorRegistry.Supports(node))
            {
                problems.Add(graph.UnsupportedMessage(node, i));
                continue;
            }

            var spec = new OnnxNode(node, i, graph.Opset, ConstantValue, neededValues.Contains, problems);
            if (node.OpType == "Constant")
            {
                var value = ConstantNodeValue.Evaluate(spec);
                if (value is not null && node.Output.Count > 0)
                {
                    constants[node.Output[0]] = value;
                    constantNodes.Add((node.Output[0], value));
                }

                continue;
            }

            prepared.Add((node, $"node '{spec.DisplayName}' ({node.OpType}, opset {graph.Opset})", OperatorRegistry.Family(node.OpType).Prepare(spec)));
        }

        foreach (var name in neededValues.Where(graph.Initializers.ContainsKey))
        {
            ConstantValue(name);
        }

        if (problems.Count > 0)
        {
            foreach (var value in constants.Values)
            {
                value?.Dispose();
            }

            throw new OnnxImportException([$"{graph.Origin} cannot be imported:", .. problems]);
        }

        InputNames = [.. graph.Inputs.Select(i => i.Name).Where(neededValues.Contains)];
        InputSlots = [.. InputNames.Select(Slot)];
        var names = new SafeParameterNames();
        var storedValues = new List<PlannedStoredValue>();
        foreach (var initializer in graph.Graph.Initializer.Where(i => neededValues.Contains(i.Name) && constants.ContainsKey(i.Name)))
        {
            var value = constants[initializer.Name]!;
            var isParameter = value.is_floating_point() && !batchNormStatistics.Contains(initializer.Name);
            storedValues.Add(new PlannedStoredValue(Slot(initializer.Name), names.Claim(initializer.Name), isParameter, value));
        }

        foreach (var (name, value) in constantNodes.Where(c => neededValues.Contains(c.Name)))
        {
            storedValues.Add(new PlannedStoredValue(Slot(name), names.Claim("constant_" + name), false, value));
        }

        Stored = storedValues;
        OutputSlots = [.. OutputNames.Select(Slot)];
        Steps = PlanSteps(prepared, out var producedByStep);
        ProducedByStep = producedByStep;
    }

    public IReadOnlyList<string> InputNames { get; }

    public IReadOnlyList<string> OutputNames { get; }

    public int[] InputSlots { get; }

    public int[] OutputSlots { get; }

    public IReadOnlyList<PlannedStoredValue> Stored { get; }

    public PreparedStep[] Steps { get; }

    public bool[] ProducedByStep { get; }

    public int SlotCount => slots.Count;

    private PreparedStep[] PlanSteps(List<(NodeProto Node, string Description, NodeStep Step)> prepared, out bool[] producedByStep)
    {
        var lastUse = new Dictionary<int, int>();
        for (var s = 0; s < prepared.Count; s++)
        {
            foreach (var input in prepared[s].Node.Input.Where(n => n.Length > 0))
            {
                lastUse[Slot(input)] = s;
            }
        }

        var outputSet = OutputSlots.ToHashSet();
        var result = new PreparedStep[prepared.Count];
        var produced = new HashSet<int>();
        for (var s = 0; s < prepared.Count; s++)
        {
            var node = prepared[s].Node;
            int[] inputSlots = [.. node.Input.Select(n => n.Length > 0 ? Slot(n) : PreparedStep.Unused)];
            int[] outputSlots = [.. node.Output.Select(n => n.Length > 0 && (lastUse.ContainsKey(Slot(n)) || outputSet.Contains(Slot(n))) ? Slot(n) : PreparedStep.Unused)];
            produced.UnionWith(outputSlots.Where(o => o != PreparedStep.Unused));
            int[] release = [.. inputSlots.Distinct().Where(i => i != PreparedStep.Unused && produced.Contains(i) && !outputSet.Contains(i) && lastUse[i] == s)];
            result[s] = new PreparedStep(prepared[s].Description, prepared[s].Step, inputSlots, outputSlots, release);
        }

        producedByStep = new bool[SlotCount];
        foreach (var slot in produced)
        {
            producedByStep[slot] = true;
        }

        return result;
    }

    private int Slot(string name)
    {
        if (!slots.TryGetValue(name, out var slot))
        {
            slot = slots.Count;
            slots[name] = slot;
        }

        return slot;
    }

    private Tensor? ConstantValue(string name)
    {
        if (constants.TryGetValue(name, out var known))
        {
            return known;
        }

        if (!graph.Initializers.TryGetValue(name, out var initializer))
        {
            return null;
        }

        Tensor? value = null;
        try
        {
            value = TensorProtoDecoder.Decode(initializer, graph.ExternalDataFolder);
        }
        catch (OnnxImportException e)
        {
            problems.AddRange(e.Problems);
        }

        constants[name] = value;
        return value;
    }
}

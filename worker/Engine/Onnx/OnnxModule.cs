using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>An ONNX graph as a trainable TorchSharp module. Everything static (which nodes run, their attributes,
/// where each value lives, when it can be freed) is prepared here, so forward is a flat loop over steps.</summary>
public sealed class OnnxModule : nn.Module<Tensor[], Tensor[]>
{
    private readonly PreparedStep[] steps;
    private readonly int[] inputSlots;
    private readonly int[] outputSlots;
    private readonly StoredValue[] stored;
    private readonly bool[] producedByStep;
    private readonly int slotCount;

    public OnnxModule(string name, OnnxGraph graph, IReadOnlyList<string>? outputs = null)
        : base(name)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var plan = new ModulePlan(graph, outputs ?? [.. graph.Outputs.Select(o => o.Name)]);
        InputNames = plan.InputNames;
        OutputNames = plan.OutputNames;
        steps = plan.Steps;
        inputSlots = plan.InputSlots;
        outputSlots = plan.OutputSlots;
        producedByStep = plan.ProducedByStep;
        slotCount = plan.SlotCount;
        stored = [.. plan.Stored.Select(Register)];
    }

    public IReadOnlyList<string> InputNames { get; }

    public IReadOnlyList<string> OutputNames { get; }

    public override Tensor[] forward(Tensor[] inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        if (inputs.Length != inputSlots.Length)
        {
            throw new ArgumentException($"{GetName()} takes {inputSlots.Length} input(s) ({string.Join(", ", InputNames)}), got {inputs.Length}", nameof(inputs));
        }

        using var scope = NewDisposeScope();
        var values = new Tensor?[slotCount];
        var floatType = ScalarType.Float32;
        var floatTypeKnown = false;
        foreach (var value in stored)
        {
            var tensor = value.IsParameter ? get_parameter(value.RegisteredName)! : get_buffer(value.RegisteredName)!;
            values[value.Slot] = tensor;
            if (!floatTypeKnown && tensor.is_floating_point())
            {
                (floatType, floatTypeKnown) = (tensor.dtype, true);
            }
        }

        for (var i = 0; i < inputs.Length; i++)
        {
            values[inputSlots[i]] = inputs[i];
            if (!floatTypeKnown && inputs[i].is_floating_point())
            {
                (floatType, floatTypeKnown) = (inputs[i].dtype, true);
            }
        }

        var context = new StepContext(training, floatType);
        foreach (var step in steps)
        {
            step.Run(values, context);
        }

        var results = new Tensor[outputSlots.Length];
        for (var i = 0; i < results.Length; i++)
        {
            var value = values[outputSlots[i]]!;
            // Inputs, weights and repeated outputs are handed out as aliases: the caller owns (and may dispose)
            // what forward returns.
            var handedOut = !producedByStep[outputSlots[i]] || Array.IndexOf(outputSlots, outputSlots[i]) < i;
            results[i] = handedOut ? value.alias() : value;
        }

        scope.MoveToOuter(results);
        return results;
    }

    private StoredValue Register(PlannedStoredValue value)
    {
        if (value.IsParameter)
        {
            register_parameter(value.RegisteredName, new Parameter(value.Value, requires_grad: true));
        }
        else
        {
            register_buffer(value.RegisteredName, value.Value, persistent: true);
        }

        return new StoredValue(value.Slot, value.RegisteredName, value.IsParameter);
    }

    private sealed record StoredValue(int Slot, string RegisteredName, bool IsParameter);
}

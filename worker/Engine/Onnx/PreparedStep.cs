using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>A node ready to run: where its inputs are, where its outputs go, and which values die after it.</summary>
internal sealed class PreparedStep(string description, NodeStep step, int[] inputSlots, int[] outputSlots, int[] releaseSlots)
{
    public const int Unused = -1;

    public void Run(Tensor?[] values, StepContext context)
    {
        var inputs = new Tensor?[inputSlots.Length];
        for (var i = 0; i < inputs.Length; i++)
        {
            inputs[i] = inputSlots[i] == Unused ? null : values[inputSlots[i]];
        }

        Tensor[] outputs;
        try
        {
            outputs = step(inputs, context);
        }
        catch (Exception e) when (e is not OutOfMemoryException and not OnnxImportException)
        {
            throw new InvalidOperationException($"ONNX {description} failed on inputs with shapes {string.Join(", ", inputs.Select(t => t is null ? "none" : $"[{string.Join(", ", t.shape)}]"))}: {e.Message}", e);
        }

        for (var i = 0; i < outputSlots.Length && i < outputs.Length; i++)
        {
            var output = outputs[i];
            var isInput = Array.IndexOf(inputs, output) >= 0;
            if (outputSlots[i] == Unused)
            {
                if (!isInput)
                {
                    output.Dispose();
                }

                continue;
            }

            values[outputSlots[i]] = isInput ? output.alias() : output;
        }

        foreach (var slot in releaseSlots)
        {
            values[slot]?.Dispose();
            values[slot] = null;
        }
    }
}

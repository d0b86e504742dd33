namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>BatchNormalization: eval uses the running statistics; training normalizes with the batch's and updates
/// the running ones in place, like torch. ONNX's momentum weighs the running value, torch's the new one.</summary>
internal sealed class BatchNormalizationOperator : IOperatorFamily
{
    public IReadOnlyCollection<string> OperatorTypes { get; } = ["BatchNormalization"];

    public NodeStep Prepare(OnnxNode node)
    {
        var epsilon = node.Float("epsilon", 1e-5f);
        var torchMomentum = 1.0 - node.Float("momentum", 0.9f);
        if (node.Opset < 9 && node.Int("spatial", 1) != 1)
        {
            node.Refuse("spatial = 0 (per-activation statistics) is not supported; only spatial = 1");
        }

        node.ProducesOnly(1);
        return (inputs, context) =>
            [TorchSharp.torch.nn.functional.batch_norm(inputs[0]!, inputs[3]!, inputs[4]!, inputs[1], inputs[2], context.Training, torchMomentum, epsilon)];
    }
}

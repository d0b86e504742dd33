using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Onnx;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>
/// A text tower read from an ONNX graph of a BERT-style encoder. The graph's inputs are fed by name: input_ids,
/// attention_mask, and token_type_ids as zeros (one segment). A per-token output (N×L×W) is pooled at the first
/// token (`cls`) or by the mean over the attention mask (`mean`, as sentence-transformers does); an N×W output is used as it is.
/// </summary>
public sealed class OnnxTextTower : TextTower
{
    private readonly OnnxModule model;
    private readonly bool poolCls;
    private readonly long featureWidth;

    public OnnxTextTower(OnnxTowerFiles files)
        : base(files?.Name ?? throw new ArgumentNullException(nameof(files)))
    {
        model = new OnnxModule("model", files.Graph, [files.Output]);
        poolCls = files.Definition.Pool == OnnxTowerDefinition.PoolCls;
        RegisterComponents();
        featureWidth = DeclaredWidth(files) ?? MeasureWidth();
    }

    public override long FeatureWidth => featureWidth;

    public override Tensor forward(Tensor ids, Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(ids);
        ArgumentNullException.ThrowIfNull(attentionMask);
        using var scope = NewDisposeScope();
        var inputs = model.InputNames.Select(name => name switch
        {
            OnnxTowerFiles.InputIds => ids,
            OnnxTowerFiles.AttentionMask => attentionMask.to_type(ScalarType.Int64),
            _ => zeros_like(ids),
        }).ToArray();
        var output = model.forward(inputs)[0];
        if (output.dim() == 3)
        {
            if (poolCls)
            {
                output = output[TensorIndex.Colon, 0];
            }
            else
            {
                var mask = attentionMask.to_type(output.dtype).unsqueeze(-1);
                output = (output * mask).sum(1) / mask.sum(1).clamp_min(1e-9);
            }
        }

        return output.MoveToOuterDisposeScope();
    }

    private static long? DeclaredWidth(OnnxTowerFiles files) =>
        files.Graph.Outputs.FirstOrDefault(o => o.Name == files.Output)?.Dimensions is { Count: 2 or 3 } dims ? dims[^1] : null;

    private long MeasureWidth()
    {
        var wasTraining = training;
        eval();
        try
        {
            using var noGrad = no_grad();
            using var ids = zeros(1, 2, dtype: ScalarType.Int64);
            using var mask = ones(1, 2, dtype: ScalarType.Int64);
            using var output = forward(ids, mask);
            return output.shape[^1];
        }
        finally
        {
            train(wasTraining);
        }
    }
}

using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Clip;

/// <summary>The study's projection head: Linear → GELU → Linear → Dropout → residual add → LayerNorm.</summary>
public sealed class ProjectionBlock : nn.Module<Tensor, Tensor>
{
    private readonly Linear projection;
    private readonly GELU gelu;
    private readonly Linear fc;
    private readonly Dropout dropout;
    private readonly LayerNorm layer_norm;

    public ProjectionBlock(long inputWidth, long projectionDim, double dropoutRate)
        : base(nameof(ProjectionBlock))
    {
        projection = nn.Linear(inputWidth, projectionDim);
        gelu = nn.GELU();
        fc = nn.Linear(projectionDim, projectionDim);
        dropout = nn.Dropout(dropoutRate);
        layer_norm = nn.LayerNorm(projectionDim);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var projected = projection.call(input);
        var x = dropout.call(fc.call(gelu.call(projected)));
        return layer_norm.call(x + projected);
    }
}

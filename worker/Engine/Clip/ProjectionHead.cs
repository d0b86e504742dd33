using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Clip;

/// <summary>
/// <c>projection_layers</c> study projection blocks in a row: the first maps the tower's width to
/// <c>projection_dim</c>, the others keep it. One layer is exactly the study's head.
/// </summary>
public sealed class ProjectionHead : nn.Module<Tensor, Tensor>
{
    private readonly ModuleList<ProjectionBlock> blocks;

    public ProjectionHead(long inputWidth, int layers, long projectionDim, double dropoutRate)
        : base(nameof(ProjectionHead))
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(layers, 1);
        blocks = nn.ModuleList(Enumerable.Range(0, layers)
            .Select(i => new ProjectionBlock(i == 0 ? inputWidth : projectionDim, projectionDim, dropoutRate))
            .ToArray());
        RegisterComponents();
    }

    public override Tensor forward(Tensor input)
    {
        var x = input;
        foreach (var block in blocks)
        {
            x = block.call(x);
        }

        return x;
    }
}

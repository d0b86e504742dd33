using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Clip;
using Orchestrator.Worker.Engine.Towers;
using Orchestrator.Worker.Engine.Training;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>Projection head, text tower, scheduler and the registry's agreement with the shared catalog.</summary>
public sealed class ModelPartsTests
{
    [Fact]
    public void Projection_head_is_the_studys_block_repeated()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using var one = new ProjectionHead(10, 1, 6, 0.1);
        using var three = new ProjectionHead(10, 3, 6, 0.1);
        one.eval();

        var output = one.call(randn(4, 10));

        Assert.Equal(new long[] { 4, 6 }, output.shape);
        // LayerNorm last: each row has mean 0 and variance 1 (its affine parameters start at 1 and 0).
        Assert.True(output.mean(new long[] { 1 }).abs().max().item<float>() < 1e-5);
        Assert.Equal(
            new[] { "blocks.0.projection.weight", "blocks.0.projection.bias", "blocks.0.fc.weight", "blocks.0.fc.bias", "blocks.0.layer_norm.weight", "blocks.0.layer_norm.bias" },
            one.named_parameters().Select(p => p.name));
        Assert.Equal((10 * 6) + 6 + (6 * 6) + 6 + 12 + (2 * ((6 * 6) + 6 + (6 * 6) + 6 + 12)), three.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void Text_tower_pools_the_first_token_and_ignores_padding()
    {
        using var scope = NewDisposeScope();
        random.manual_seed(2);
        using var tower = new SmallTransformerTextTower(20, 0, 16, 2, 32, 4, 0.0);
        tower.eval();

        var short_ = tower.call(tensor(new long[] { 2, 5, 6, 3 }).unsqueeze(0), ones(1, 4, dtype: ScalarType.Int64));
        var padded = tower.call(tensor(new long[] { 2, 5, 6, 3, 0, 0 }).unsqueeze(0), tensor(new long[] { 1, 1, 1, 1, 0, 0 }).unsqueeze(0));
        var other = tower.call(tensor(new long[] { 2, 7, 8, 3 }).unsqueeze(0), ones(1, 4, dtype: ScalarType.Int64));

        Assert.Equal(new long[] { 1, 32 }, short_.shape);
        Assert.True((short_ - padded).abs().max().item<float>() < 1e-5);
        Assert.True((short_ - other).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void Plateau_scheduler_cuts_every_group_after_patience_epochs_without_improvement()
    {
        using var a = nn.Linear(2, 2);
        using var b = nn.Linear(2, 2);
        using var optimizer = new FlatAdamW([new ParameterGroup("a", [.. a.parameters()], 1e-3, 0), new ParameterGroup("b", [.. b.parameters()], 1e-4, 0)]);
        var scheduler = new ReduceLrOnPlateau(patience: 1, factor: 0.5);

        var reduced = new[] { 1.0, 0.9, 0.95, 0.9, 0.91 }.Select(loss => scheduler.Step(loss, optimizer)).ToArray();

        Assert.Equal(new[] { false, false, false, true, false }, reduced);
        Assert.Equal(new[] { 5e-4, 5e-5 }, optimizer.ParamGroups.Select(g => g.LearningRate), new ToleranceComparer(1e-12));
        Assert.Equal(0.9, scheduler.Best);
    }

    [Fact]
    public void Registry_builds_every_catalog_encoder_with_the_catalogs_minimum_sizes()
    {
        Assert.Equal(EncoderCatalog.Names.Order(), ImageTowerRegistry.Names.Order());
        Assert.All(ImageTowerRegistry.Names, n => Assert.Equal(EncoderCatalog.MinimumImageSize(n), ImageTowerRegistry.Get(n).MinImageSize));
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}

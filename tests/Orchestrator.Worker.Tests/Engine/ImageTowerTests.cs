using Orchestrator.Worker.Engine.Towers;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>Every registered image tower: width, forward and backward at its minimum size, published sizes.</summary>
public sealed class ImageTowerTests
{
    public static TheoryData<string, long> PublishedParameterCounts => new()
    {
        { "resnet18", 11_689_512 },
        { "resnet50", 25_557_032 },
        { "mobilenet_v2", 3_504_872 },
        { "mobilenet_v3_small", 2_542_856 },
        { "mobilenet_v3_large", 5_483_032 },
        { "googlenet", 6_624_904 },
        { "inception_v3", 27_161_264 },
        { "efficientnet_b0", 5_288_548 },
    };

    public static TheoryData<string> Names => [.. ImageTowerRegistry.Names];

    [Theory]
    [MemberData(nameof(Names))]
    public void Tower_outputs_its_registered_width_and_trains_at_its_minimum_size(string name)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(3);
        var entry = ImageTowerRegistry.Get(name);
        using var tower = entry.Create();
        tower.train();

        var features = tower.call(randn(2, 3, entry.MinImageSize, entry.MinImageSize));
        features.square().mean().backward();

        Assert.Equal(new[] { 2L, tower.FeatureWidth }, features.shape);
        Assert.True(features.isfinite().all().item<bool>());
        var parameters = tower.parameters().ToList();
        var withGradient = parameters.Count(p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
        Assert.True(withGradient > parameters.Count * 0.9, $"{withGradient} of {parameters.Count} parameters got a gradient");
    }

    [Theory]
    [MemberData(nameof(PublishedParameterCounts))]
    public void Parameter_counts_equal_torchvisions_published_ones(string name, long published)
    {
        var entry = ImageTowerRegistry.Get(name);
        using var classifier = entry.CreateClassifier!();
        using var tower = entry.Create();

        Assert.Equal(published, classifier.parameters().Sum(p => p.numel()));
        Assert.Equal(published, tower.parameters().Sum(p => p.numel()) + tower.RemovedHeadParameterCount);
    }

    [Theory]
    [InlineData("resnet18", 512)]
    [InlineData("resnet50", 2048)]
    [InlineData("mobilenet_v2", 1280)]
    [InlineData("mobilenet_v3_small", 576)]
    [InlineData("mobilenet_v3_large", 960)]
    [InlineData("googlenet", 1024)]
    [InlineData("inception_v3", 2048)]
    [InlineData("efficientnet_b0", 1280)]
    [InlineData("tiny_cnn", 128)]
    public void Feature_width_is_read_from_the_model(string name, long width)
    {
        using var tower = ImageTowerRegistry.Get(name).Create();
        Assert.Equal(width, tower.FeatureWidth);
    }

    [Fact]
    public void Unknown_encoder_names_the_known_ones()
    {
        var error = Assert.Throws<ArgumentException>(() => ImageTowerRegistry.Get("vit_b_16"));
        Assert.Contains("vit_b_16", error.Message, StringComparison.Ordinal);
        Assert.Contains("mobilenet_v3_small", error.Message, StringComparison.Ordinal);
    }
}

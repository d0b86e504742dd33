using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Towers;

/// <summary>Three strided conv blocks and a global pool: an image tower small enough for CPU tests.</summary>
public sealed class TinyCnn : ImageTower
{
    private const long Width = 128;

    private readonly Sequential features;

    public TinyCnn()
        : base("tiny_cnn")
    {
        features = nn.Sequential(
            nn.Conv2d(3, 32, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(32), nn.ReLU(),
            nn.Conv2d(32, 64, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(64), nn.ReLU(),
            nn.Conv2d(64, Width, 3, stride: 2, padding: 1, bias: false), nn.BatchNorm2d(Width), nn.ReLU());
        RegisterComponents();
    }

    public override long FeatureWidth => Width;

    public override long RemovedHeadParameterCount => 0;

    public override Tensor forward(Tensor input) =>
        nn.functional.adaptive_avg_pool2d(features.call(input), 1).flatten(1);
}

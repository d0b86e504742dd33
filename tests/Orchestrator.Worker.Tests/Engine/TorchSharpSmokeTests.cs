using TorchSharp;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>Proves the native LibTorch stack loads on this host (see the ELF patch) and trains.</summary>
public sealed class TorchSharpSmokeTests
{
    public static TheoryData<string> Models => new() { "resnet18", "mobilenet_v2" };

    [Theory]
    [MemberData(nameof(Models))]
    public void TorchVision_model_runs_forward_and_backward_on_cpu(string name)
    {
        using var scope = NewDisposeScope();
        random.manual_seed(1);
        using nn.Module<Tensor, Tensor> model = name switch
        {
            "resnet18" => torchvision.models.resnet18(num_classes: 10),
            "mobilenet_v2" => torchvision.models.mobilenet_v2(num_classes: 10),
            _ => throw new ArgumentOutOfRangeException(nameof(name)),
        };
        model.train();
        var input = randn(2, 3, 64, 64);

        var output = model.call(input);
        Assert.Equal(new long[] { 2, 10 }, output.shape);

        output.square().mean().backward();
        var parameters = model.parameters().ToList();
        Assert.NotEmpty(parameters);
        var withGradient = parameters.Count(p => p.grad is not null && p.grad.abs().sum().item<float>() > 0);
        Assert.True(withGradient > parameters.Count / 2, $"{withGradient} of {parameters.Count} parameters got a non-zero gradient");
        Assert.True(output.isfinite().all().item<bool>());
    }
}

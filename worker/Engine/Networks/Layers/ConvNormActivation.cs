using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Layers;

/// <summary>
/// torchvision's Conv2dNormActivation: a Sequential whose children are named "0" (conv), "1" (BatchNorm) and,
/// when there is an activation, "2" — so state_dict keys read `features.0.0.weight`, `features.0.1.running_mean`.
/// </summary>
public static class ConvNormActivation
{
    /// <summary>BatchNorm settings: nn.BatchNorm2d's defaults unless a model passes its own (MobileNetV3: 1e-3, 0.01).</summary>
    public sealed record Norm(double Eps = 1e-5, double Momentum = 0.1);

    /// <summary>
    /// One layer; <paramref name="activation"/> makes the activation module, or is null for none (projection layers).
    /// </summary>
    public static Sequential Create(
        long input, long output, long kernel, Func<nn.Module<Tensor, Tensor>>? activation, Norm norm, long stride = 1, long groups = 1)
    {
        ArgumentNullException.ThrowIfNull(norm);

        // 1×1 convolutions are matrix products, which keeps them away from oneDNN (see PointwiseConv2d).
        nn.Module<Tensor, Tensor> convolution = kernel == 1 && groups == 1
            ? new PointwiseConv2d(input, output, stride)
            : nn.Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("0", convolution),
            ("1", nn.BatchNorm2d(output, eps: norm.Eps, momentum: norm.Momentum)),
        };
        if (activation is not null)
        {
            layers.Add(("2", activation()));
        }

        return nn.Sequential(layers);
    }
}

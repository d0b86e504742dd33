using Orchestrator.Worker.Models.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Models.EfficientNet;

/// <summary>
/// torchvision's Conv2dNormActivation: a Sequential whose children are named "0" (conv), "1" (BatchNorm) and,
/// when there is an activation, "2" — so state_dict keys read `features.0.0.weight`, `features.0.1.running_mean`.
/// </summary>
public static class ConvNormActivation
{
    // torchvision's B0..B7 use nn.BatchNorm2d's defaults (eps 1e-5, momentum 0.1); only the V2 family
    // passes eps 1e-3. The parity fixture tells them apart (1e-3 is off by ~1.6e-4 on its logits).
    public const double BatchNormEps = 1e-5;
    public const double BatchNormMomentum = 0.1;

    public static Sequential Create(long input, long output, long kernel, long stride = 1, long groups = 1, bool activation = true)
    {
        // 1×1 convolutions are matrix products, which keeps them away from oneDNN (see PointwiseConv2d).
        nn.Module<Tensor, Tensor> convolution = kernel == 1 && groups == 1
            ? new PointwiseConv2d(input, output, stride)
            : nn.Conv2d(input, output, kernel, stride: stride, padding: (kernel - 1) / 2, groups: groups, bias: false);
        var layers = new List<(string, nn.Module<Tensor, Tensor>)>
        {
            ("0", convolution),
            ("1", nn.BatchNorm2d(output, eps: BatchNormEps, momentum: BatchNormMomentum)),
        };
        if (activation)
        {
            layers.Add(("2", nn.SiLU()));
        }

        return nn.Sequential(layers);
    }
}

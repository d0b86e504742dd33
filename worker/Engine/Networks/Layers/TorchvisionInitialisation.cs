using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Layers;

/// <summary>
/// The initialisation torchvision gives the CNNs ported here, so that training from scratch starts where PyTorch's
/// would: Kaiming-normal convolutions over fan-out with ReLU's gain and zero bias (<see cref="PointwiseConv2d"/>
/// starts so itself), unit BatchNorm. Linear layers differ per model, so the model says what they get.
/// </summary>
public static class TorchvisionInitialisation
{
    /// <summary>MobileNets: N(0, 0.01) weights, zero bias.</summary>
    public static void SmallNormalLinear(Linear linear)
    {
        ArgumentNullException.ThrowIfNull(linear);
        nn.init.normal_(linear.weight, 0, 0.01);
        if (linear.bias is not null)
        {
            nn.init.zeros_(linear.bias);
        }
    }

    /// <param name="model">The network to initialise in place.</param>
    /// <param name="linear">What Linear layers get; null keeps Linear's own default (ResNet).</param>
    public static void Apply(nn.Module model, Action<Linear>? linear = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var noGrad = no_grad();
        foreach (var module in model.modules())
        {
            switch (module)
            {
                case Conv2d conv:
                    nn.init.kaiming_normal_(conv.weight, mode: nn.init.FanInOut.FanOut, nonlinearity: nn.init.NonlinearityType.ReLU);
                    if (conv.bias is not null)
                    {
                        nn.init.zeros_(conv.bias);
                    }

                    break;
                case BatchNorm2d norm:
                    nn.init.ones_(norm.weight);
                    nn.init.zeros_(norm.bias);
                    break;
                case Linear layer:
                    linear?.Invoke(layer);
                    break;
            }
        }
    }
}

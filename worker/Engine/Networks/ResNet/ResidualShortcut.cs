using Orchestrator.Worker.Engine.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.ResNet;

/// <summary>torchvision's `downsample`: a strided 1×1 projection and BatchNorm where a block changes shape, else none.</summary>
public static class ResidualShortcut
{
    public static Sequential? Create(long inputChannels, long outputChannels, long stride) =>
        stride != 1 || inputChannels != outputChannels
            ? nn.Sequential(("0", new PointwiseConv2d(inputChannels, outputChannels, stride)), ("1", nn.BatchNorm2d(outputChannels)))
            : null;
}

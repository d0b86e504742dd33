using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Layers;

/// <summary>
/// Channels-last ("NHWC") layout for image tensors, which TorchSharp 0.107 has no memory-format argument for: the
/// tensor keeps its [batch, channels, height, width] shape with the channel as its fastest-moving dimension.
/// </summary>
/// <remarks>
/// LibTorch carries the layout through convolutions, BatchNorm, activations and additions. In it oneDNN runs
/// convolutions on the tensors as they are, where [batch, channels, h, w] costs a reorder into its blocked layout
/// and back around each one, and a <see cref="PointwiseConv2d"/> over all pixels is a single GEMM.
/// </remarks>
public static class ChannelsLast
{
    /// <summary>The same values in channels-last layout; a tensor already in it is returned as an alias.</summary>
    public static Tensor From(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return IsChannelsLast(images) ? images.alias() : images.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
    }

    /// <summary>True when <paramref name="images"/> (4-D) is laid out channels-last without gaps.</summary>
    public static bool IsChannelsLast(Tensor images)
    {
        ArgumentNullException.ThrowIfNull(images);
        using var pixelsFirst = images.permute(0, 2, 3, 1);
        return pixelsFirst.is_contiguous();
    }
}

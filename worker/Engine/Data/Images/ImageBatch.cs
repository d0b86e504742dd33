using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>uint8 HWC images → the float CHW batch a tower takes, normalised with ImageNet mean and std.</summary>
public static class ImageBatch
{
    public static readonly float[] ImageNetMean = [0.485f, 0.456f, 0.406f];
    public static readonly float[] ImageNetStd = [0.229f, 0.224f, 0.225f];

    // pixels: count × size × size × 3 bytes, images back to back (as the cache stores them).
    public static Tensor ToNormalizedChw(byte[] pixels, int count, int size, Device? device = null)
    {
        using var scope = NewDisposeScope();
        var hwc = tensor(pixels, [count, size, size, 3]).to(device ?? CPU);
        var chw = hwc.permute(0, 3, 1, 2).to_type(ScalarType.Float32).div_(255f);
        var mean = tensor(ImageNetMean, device: chw.device).view(1, 3, 1, 1);
        var std = tensor(ImageNetStd, device: chw.device).view(1, 3, 1, 1);
        return chw.sub_(mean).div_(std).contiguous().MoveToOuterDisposeScope();
    }
}

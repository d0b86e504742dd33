namespace Orchestrator.Worker.Engine.Data;

/// <summary>RGBA bytes to the normalised CHW floats the towers expect (ImageNet mean and std, as TorchVision).</summary>
public static class ImagePixels
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>The per-channel (RGB) mean subtracted before dividing by <see cref="ChannelStd"/>.</summary>
    public static IReadOnlyList<float> ChannelMean => Mean;

    public static IReadOnlyList<float> ChannelStd => Std;

    public static float[] NormalisedChw(ReadOnlySpan<byte> rgba, int width, int height)
    {
        var plane = width * height;
        if (rgba.Length < plane * 4)
        {
            throw new ArgumentException($"expected {plane * 4} RGBA bytes, got {rgba.Length}", nameof(rgba));
        }

        var chw = new float[3 * plane];
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                chw[(c * plane) + p] = ((rgba[(p * 4) + c] / 255f) - Mean[c]) / Std[c];
            }
        }

        return chw;
    }

    /// <summary>RGB bytes (HWC, as the image decoder gives them) to normalised CHW floats.</summary>
    public static float[] NormalisedChwFromRgb(ReadOnlySpan<byte> rgb, int size)
    {
        var plane = size * size;
        if (rgb.Length < plane * 3)
        {
            throw new ArgumentException($"expected {plane * 3} RGB bytes, got {rgb.Length}", nameof(rgb));
        }

        var chw = new float[3 * plane];
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                chw[(c * plane) + p] = ((rgb[(p * 3) + c] / 255f) - Mean[c]) / Std[c];
            }
        }

        return chw;
    }
}

namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// Pixel bytes to the normalised CHW floats the towers expect (ImageNet mean and std, as TorchVision): the one place
/// images are normalised, for file datasets (the decoder's RGB), synthetic ones (Skia's RGBA), evaluation and the
/// benchmarks alike, so a change of convention cannot reach one path and miss another.
/// </summary>
public static class ImagePixels
{
    private static readonly float[] Mean = [0.485f, 0.456f, 0.406f];
    private static readonly float[] Std = [0.229f, 0.224f, 0.225f];

    /// <summary>The per-channel (RGB) mean subtracted before dividing by <see cref="ChannelStd"/>.</summary>
    public static IReadOnlyList<float> ChannelMean => Mean;

    public static IReadOnlyList<float> ChannelStd => Std;

    /// <summary>RGBA bytes (HWC, as Skia renders them) to normalised CHW floats; alpha is ignored.</summary>
    public static float[] NormalisedChw(ReadOnlySpan<byte> rgba, int width, int height) => Normalised(rgba, width * height, bytesPerPixel: 4);

    /// <summary>RGB bytes (HWC, as the image decoder and its cache give them) to normalised CHW floats.</summary>
    public static float[] NormalisedChwFromRgb(ReadOnlySpan<byte> rgb, int size) => Normalised(rgb, size * size, bytesPerPixel: 3);

    private static float[] Normalised(ReadOnlySpan<byte> pixels, int plane, int bytesPerPixel)
    {
        if (pixels.Length < plane * bytesPerPixel)
        {
            throw new ArgumentException($"expected {plane * bytesPerPixel} bytes ({bytesPerPixel} per pixel), got {pixels.Length}", nameof(pixels));
        }

        var chw = new float[3 * plane];
        for (var p = 0; p < plane; p++)
        {
            for (var c = 0; c < 3; c++)
            {
                chw[(c * plane) + p] = ((pixels[(p * bytesPerPixel) + c] / 255f) - Mean[c]) / Std[c];
            }
        }

        return chw;
    }
}

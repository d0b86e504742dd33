using SkiaSharp;

namespace Orchestrator.Worker.Data.Images;

/// <summary>
/// SkiaSharp decode + resize to a square RGB uint8 image. JPEGs are decoded at the smallest DCT scale that still
/// covers the target (what `djpeg -scale` does), the EXIF orientation is applied, greyscale and CMYK come out as
/// RGB, PNG alpha is dropped. Thread-safe: each call owns its Skia objects.
/// </summary>
public sealed class ImageDecoder(int size, ResizeMode mode)
{
    private static readonly SKSamplingOptions Sampling = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    public int Size { get; } = size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size));

    public ResizeMode Mode { get; } = mode;

    public DecodedImage Decode(string path)
    {
        try
        {
            if (!File.Exists(path))
            {
                return DecodedImage.Skipped(path, "file not found");
            }

            using var data = SKData.Create(path);
            using var codec = data is null ? null : SKCodec.Create(data);
            if (codec is null)
            {
                return DecodedImage.Skipped(path, "not a decodable image");
            }

            using var decoded = DecodeScaled(codec, out var failure);
            return decoded is null ? DecodedImage.Skipped(path, failure) : new DecodedImage(path, Resize(decoded, codec.EncodedOrigin), null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            return DecodedImage.Skipped(path, e.Message);
        }
    }

    private SKBitmap? DecodeScaled(SKCodec codec, out string failure)
    {
        var full = codec.Info;
        var needed = Mode == ResizeMode.Squash ? Math.Max((double)Size / full.Width, (double)Size / full.Height) : (double)Size / Math.Min(full.Width, full.Height);
        var dimensions = codec.GetScaledDimensions((float)Math.Min(1.0, needed));
        // Never decode smaller than the target in the dimension(s) the resize relies on.
        var covers = Mode == ResizeMode.Squash
            ? dimensions.Width >= Math.Min(Size, full.Width) && dimensions.Height >= Math.Min(Size, full.Height)
            : Math.Min(dimensions.Width, dimensions.Height) >= Math.Min(Size, Math.Min(full.Width, full.Height));
        if (!covers)
        {
            dimensions = full.Size;
        }

        var info = new SKImageInfo(dimensions.Width, dimensions.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
        var bitmap = new SKBitmap(info);
        var result = codec.GetPixels(info, bitmap.GetPixels());
        if (result is SKCodecResult.Success)
        {
            failure = "";
            return bitmap;
        }

        bitmap.Dispose();
        failure = result == SKCodecResult.IncompleteInput ? "truncated image" : $"decode failed ({result})";
        return null;
    }

    private byte[] Resize(SKBitmap source, SKEncodedOrigin origin)
    {
        using var image = SKImage.FromBitmap(source);
        var (width, height) = origin >= SKEncodedOrigin.LeftTop ? (source.Height, source.Width) : (source.Width, source.Height);
        var crop = Mode == ResizeMode.Squash ? SKRect.Create(width, height) : CentredSquare(width, height);

        using var target = new SKBitmap(new SKImageInfo(Size, Size, SKColorType.Rgba8888, SKAlphaType.Unpremul));
        using (var canvas = new SKCanvas(target))
        {
            canvas.Clear(SKColors.Black);
            // Map the crop (in displayed orientation) onto the target, then undo the stored orientation.
            canvas.Scale(Size / crop.Width, Size / crop.Height);
            canvas.Translate(-crop.Left, -crop.Top);
            canvas.Concat(OrientationMatrix(origin, source.Width, source.Height));
            canvas.DrawImage(image, 0, 0, Sampling);
        }

        var rgba = target.GetPixelSpan();
        var rgb = new byte[Size * Size * 3];
        for (int pixel = 0, i = 0; pixel < rgb.Length; pixel += 3, i += 4)
        {
            rgb[pixel] = rgba[i];
            rgb[pixel + 1] = rgba[i + 1];
            rgb[pixel + 2] = rgba[i + 2];
        }

        return rgb;
    }

    private static SKRect CentredSquare(int width, int height)
    {
        var side = Math.Min(width, height);
        return SKRect.Create((width - side) / 2f, (height - side) / 2f, side, side);
    }

    // Maps stored pixel (x, y) of a w×h image to its displayed position, per EXIF orientation 1–8.
    private static SKMatrix OrientationMatrix(SKEncodedOrigin origin, float w, float h) => origin switch
    {
        SKEncodedOrigin.TopRight => new SKMatrix(-1, 0, w, 0, 1, 0, 0, 0, 1),
        SKEncodedOrigin.BottomRight => new SKMatrix(-1, 0, w, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.BottomLeft => new SKMatrix(1, 0, 0, 0, -1, h, 0, 0, 1),
        SKEncodedOrigin.LeftTop => new SKMatrix(0, 1, 0, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightTop => new SKMatrix(0, -1, h, 1, 0, 0, 0, 0, 1),
        SKEncodedOrigin.RightBottom => new SKMatrix(0, -1, h, -1, 0, w, 0, 0, 1),
        SKEncodedOrigin.LeftBottom => new SKMatrix(0, 1, 0, -1, 0, w, 0, 0, 1),
        _ => SKMatrix.Identity,
    };
}

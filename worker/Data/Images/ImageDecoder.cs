using System.Buffers;
using SkiaSharp;

namespace Orchestrator.Worker.Data.Images;

/// <summary>
/// SkiaSharp decode + resize to a square RGB uint8 image. JPEGs are decoded at the smallest DCT scale that still
/// covers the target (what `djpeg -scale` does), the EXIF orientation is applied, greyscale and CMYK come out as
/// RGB, PNG alpha is dropped. Thread-safe: each call owns its Skia objects.
/// </summary>
public sealed class ImageDecoder(int size, ResizeMode mode)
{
    /// <summary>
    /// Part of the image cache's key: raise it whenever a change alters the pixels this produces, so that images
    /// decoded by an older version are decoded again instead of mixed with new ones. 2: covering DCT scale, no mipmaps
    /// under 2×.
    /// </summary>
    public const int PixelsVersion = 2;

    private static readonly SKSamplingOptions Bilinear = new(SKFilterMode.Linear, SKMipmapMode.None);
    private static readonly SKSamplingOptions Trilinear = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    public int Size { get; } = size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size));

    public ResizeMode Mode { get; } = mode;

    /// <summary>
    /// M of the smallest DCT scale M/8 at which a <paramref name="width"/>×<paramref name="height"/> JPEG still covers
    /// the target in the dimension(s) the resize keeps: both for squash, the shorter side for center-crop.
    /// libjpeg-turbo's scaled size is ⌈side·M/8⌉, so M = ⌈8·needed⌉ never falls short.
    /// </summary>
    public int DctScaleEighths(int width, int height)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        var needed = Mode == ResizeMode.Squash ? Math.Max((double)Size / width, (double)Size / height) : (double)Size / Math.Min(width, height);
        return (int)Math.Clamp(Math.Ceiling(needed * 8), 1, 8);
    }

    /// <summary>Bytes of one decoded image: Size × Size × 3 (RGB, HWC).</summary>
    public int ImageBytes => Size * Size * 3;

    public DecodedImage Decode(string path)
    {
        var pixels = new byte[ImageBytes];
        return TryDecodeInto(path, pixels, out var skipReason) ? new DecodedImage(path, pixels, null) : DecodedImage.Skipped(path, skipReason);
    }

    /// <summary>
    /// Decodes into <paramref name="rgb"/> (<see cref="ImageBytes"/> long), so that a caller decoding thousands of
    /// images reuses one buffer per thread: at 224 px a fresh array per image lands on the large-object heap and
    /// the collections it causes cost more than the resize. False, with the reason, for a file to skip.
    /// </summary>
    public bool TryDecodeInto(string path, Span<byte> rgb, out string skipReason)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(rgb.Length, ImageBytes, nameof(rgb));
        try
        {
            if (!File.Exists(path))
            {
                skipReason = "file not found";
                return false;
            }

            using var data = ReadFile(path);
            using var codec = SKCodec.Create(data);
            if (codec is null)
            {
                skipReason = "not a decodable image";
                return false;
            }

            using var decoded = DecodeScaled(codec, out skipReason);
            if (decoded is null)
            {
                return false;
            }

            Resize(decoded, codec.EncodedOrigin, rgb);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            skipReason = e.Message;
            return false;
        }
    }

    // SKData.Create(path) maps the file, and on these VMs the page faults of the codec's first touch cost more CPU
    // than a small photo's decode; one read into a pooled buffer and a copy into Skia's memory cost a fifth of that.
    private static SKData ReadFile(string path)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new IOException($"{length} bytes is too large for an image");
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        try
        {
            var filled = 0;
            while (filled < length && RandomAccess.Read(handle, buffer.AsSpan(filled, (int)length - filled), filled) is > 0 and var read)
            {
                filled += read;
            }

            return SKData.CreateCopy(buffer.AsSpan(0, filled));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private SKBitmap? DecodeScaled(SKCodec codec, out string failure)
    {
        var full = codec.Info;
        // Skia rounds a requested scale to the nearest eighth, so ask for the covering eighth exactly; codecs
        // without DCT scaling (PNG) answer with the full size.
        var dimensions = codec.GetScaledDimensions(DctScaleEighths(full.Width, full.Height) / 8f);
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

    private void Resize(SKBitmap source, SKEncodedOrigin origin, Span<byte> rgb)
    {
        using var pixmap = source.PeekPixels();
        using var image = SKImage.FromPixels(pixmap);
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
            canvas.DrawImage(image, 0, 0, SamplingFor(crop));
        }

        var rgba = target.GetPixelSpan();
        for (int pixel = 0, i = 0; pixel < ImageBytes; pixel += 3, i += 4)
        {
            rgb[pixel] = rgba[i];
            rgb[pixel + 1] = rgba[i + 1];
            rgb[pixel + 2] = rgba[i + 2];
        }
    }

    // After the DCT-scaled decode a JPEG is rarely more than twice the target, where bilinear alone is exact
    // enough; building mipmaps for every image would cost more than the resize. Larger reductions (PNG, very
    // elongated images) still get them, or bilinear would alias.
    private SKSamplingOptions SamplingFor(SKRect crop) =>
        Math.Max(crop.Width, crop.Height) > 2 * Size ? Trilinear : Bilinear;

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

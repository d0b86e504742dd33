using System.Buffers;
using System.Runtime.Intrinsics;
using SkiaSharp;

namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>
/// Decode + resize to a square RGB uint8 image. JPEGs are decoded at the smallest DCT scale that still covers the
/// target (what `djpeg -scale` does), by the system's SIMD libturbojpeg when there is one and by SkiaSharp
/// otherwise; the EXIF orientation is applied, greyscale and CMYK come out as RGB, PNG alpha is dropped; Skia
/// resizes. Thread-safe: each call owns its Skia objects, TurboJPEG's state is per thread.
/// </summary>
public sealed class ImageDecoder(int size, ResizeMode mode)
{
    /// <summary>
    /// Part of the image cache's key: raise it whenever a change alters the pixels this produces, so that images
    /// decoded by an older version are decoded again instead of mixed with new ones. 2: covering DCT scale, no mipmaps
    /// under 2×. 3: JPEGs scaled as opaque BGRA on Skia's 8-bit pipeline (rounding differs by a level or two), by
    /// libturbojpeg where the host has it.
    /// </summary>
    public const int PixelsVersion = 3;

    private static readonly SKSamplingOptions Bilinear = new(SKFilterMode.Linear, SKMipmapMode.None);
    private static readonly SKSamplingOptions Trilinear = new(SKFilterMode.Linear, SKMipmapMode.Linear);

    public int Size { get; } = size > 0 ? size : throw new ArgumentOutOfRangeException(nameof(size));

    public ResizeMode Mode { get; } = mode;

    /// <summary>
    /// Whether JPEGs go through the system's libturbojpeg when it is there (<see cref="TurboJpegDecoder"/>); false
    /// decodes everything with Skia, for the tests that compare the two.
    /// </summary>
    public bool UseTurboJpeg { get; init; } = true;

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

            var buffer = ReadFile(path, out var length);
            try
            {
                var file = buffer.AsSpan(0, length);
                if (UseTurboJpeg && TryDecodeTurbo(file, rgb))
                {
                    skipReason = "";
                    return true;
                }

                using var data = SKData.CreateCopy(file);
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

                using var pixmap = decoded.PeekPixels();
                Resize(pixmap, codec.EncodedOrigin, rgb);
                return true;
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or InvalidOperationException)
        {
            skipReason = e.Message;
            return false;
        }
    }

    // SKData.Create(path) maps the file, and on these VMs the page faults of the codec's first touch cost more CPU
    // than a small photo's decode; one read into a pooled buffer (returned by the caller) costs a fifth of that.
    private static byte[] ReadFile(string path, out int filled)
    {
        using var handle = File.OpenHandle(path);
        var length = RandomAccess.GetLength(handle);
        if (length > Array.MaxLength)
        {
            throw new IOException($"{length} bytes is too large for an image");
        }

        var buffer = ArrayPool<byte>.Shared.Rent((int)length);
        filled = 0;
        while (filled < length && RandomAccess.Read(handle, buffer.AsSpan(filled, (int)length - filled), filled) is > 0 and var read)
        {
            filled += read;
        }

        return buffer;
    }

    // The SIMD libjpeg-turbo of the system, when there is one, at the same covering DCT scale as DecodeScaled; false
    // leaves the file to Skia (no library, not a JPEG, CMYK, any decode error or warning).
    private unsafe bool TryDecodeTurbo(ReadOnlySpan<byte> file, Span<byte> rgb)
    {
        if (!TurboJpegDecoder.TryReadHeader(file, out var fullWidth, out var fullHeight))
        {
            return false;
        }

        var (width, height) = ScaledSize(fullWidth, fullHeight, DctScaleEighths(fullWidth, fullHeight));
        if (!TurboJpegDecoder.TryDecode(file, width, height, out var bgra))
        {
            return false;
        }

        var origin = (SKEncodedOrigin)TurboJpegDecoder.ExifOrientation(file);
        fixed (byte* pixels = bgra)
        {
            // Skia reads the decoded pixels in place; the image lives only inside Resize.
            using var pixmap = new SKPixmap(new SKImageInfo(width, height, SKColorType.Bgra8888, SKAlphaType.Opaque), (nint)pixels, width * 4);
            Resize(pixmap, origin, rgb);
        }

        return true;
    }

    // libjpeg-turbo's size at scale M/8 is ⌈side·M/8⌉; the full size where that would fall short of the target in a
    // dimension the resize keeps (what DecodeScaled does with Skia's answer).
    private (int Width, int Height) ScaledSize(int width, int height, int eighths)
    {
        var (scaledWidth, scaledHeight) = (((width * eighths) + 7) / 8, ((height * eighths) + 7) / 8);
        var covers = Mode == ResizeMode.Squash
            ? scaledWidth >= Math.Min(Size, width) && scaledHeight >= Math.Min(Size, height)
            : Math.Min(scaledWidth, scaledHeight) >= Math.Min(Size, Math.Min(width, height));
        return covers ? (scaledWidth, scaledHeight) : (width, height);
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

        // Opaque images (every JPEG) as opaque BGRA, which Skia scales on its fast pipeline (see Target); images with
        // alpha stay unpremultiplied RGBA, so that dropping the alpha keeps their colours.
        var info = codec.Info.AlphaType == SKAlphaType.Opaque
            ? new SKImageInfo(dimensions.Width, dimensions.Height, SKColorType.Bgra8888, SKAlphaType.Opaque)
            : new SKImageInfo(dimensions.Width, dimensions.Height, SKColorType.Rgba8888, SKAlphaType.Unpremul);
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

    private void Resize(SKPixmap source, SKEncodedOrigin origin, Span<byte> rgb)
    {
        using var image = SKImage.FromPixels(source);
        var (width, height) = origin >= SKEncodedOrigin.LeftTop ? (source.Height, source.Width) : (source.Width, source.Height);
        var crop = Mode == ResizeMode.Squash ? SKRect.Create(width, height) : CentredSquare(width, height);

        var (target, canvas) = Target(source.ColorType, source.AlphaType);
        canvas.Save();
        canvas.Clear(SKColors.Black);
        // Map the crop (in displayed orientation) onto the target, then undo the stored orientation.
        canvas.Scale(Size / crop.Width, Size / crop.Height);
        canvas.Translate(-crop.Left, -crop.Top);
        canvas.Concat(OrientationMatrix(origin, source.Width, source.Height));
        canvas.DrawImage(image, 0, 0, SamplingFor(crop));
        canvas.Restore();
        canvas.Flush();
        DropAlpha(target.GetPixelSpan(), rgb[..ImageBytes], source.ColorType == SKColorType.Bgra8888);
    }

    // One target bitmap and canvas per thread and pixel layout: allocating and zeroing a 224² bitmap and building a
    // canvas for every image cost about as much as the decode. The target has the source's layout, which is
    // opaque BGRA for every JPEG: Skia's fast (8-bit) pipeline handles only its native BGRA, premultiplied or opaque,
    // and scales 4× faster there than with RGBA or unpremul, which take the float pipeline.
    [ThreadStatic]
    private static Dictionary<(int Size, SKColorType Colour, SKAlphaType Alpha), (SKBitmap Bitmap, SKCanvas Canvas)>? targets;

    private (SKBitmap Bitmap, SKCanvas Canvas) Target(SKColorType colour, SKAlphaType alpha)
    {
        targets ??= [];
        if (!targets.TryGetValue((Size, colour, alpha), out var target))
        {
            var bitmap = new SKBitmap(new SKImageInfo(Size, Size, colour, alpha));
            target = (bitmap, new SKCanvas(bitmap));
            targets[(Size, colour, alpha)] = target;
        }

        return target;
    }

    // RGBA (or BGRA) to RGB, four pixels per shuffle: the scalar loop cost a tenth of a 224-px image's time.
    private static void DropAlpha(ReadOnlySpan<byte> rgba, Span<byte> rgb, bool bgra)
    {
        var keep = bgra
            ? Vector128.Create((byte)2, 1, 0, 6, 5, 4, 10, 9, 8, 14, 13, 12, 0xFF, 0xFF, 0xFF, 0xFF)
            : Vector128.Create((byte)0, 1, 2, 4, 5, 6, 8, 9, 10, 12, 13, 14, 0xFF, 0xFF, 0xFF, 0xFF);
        var (red, blue) = bgra ? (2, 0) : (0, 2);
        int pixel = 0, i = 0;
        // Each store writes 16 bytes of which 12 are kept; the next store overwrites the other 4.
        for (; pixel + 16 <= rgb.Length && i + 16 <= rgba.Length; pixel += 12, i += 16)
        {
            Vector128.Shuffle(Vector128.Create(rgba.Slice(i, 16)), keep).CopyTo(rgb.Slice(pixel, 16));
        }

        for (; pixel < rgb.Length; pixel += 3, i += 4)
        {
            rgb[pixel] = rgba[i + red];
            rgb[pixel + 1] = rgba[i + 1];
            rgb[pixel + 2] = rgba[i + blue];
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

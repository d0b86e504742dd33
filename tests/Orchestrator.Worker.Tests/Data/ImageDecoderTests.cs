using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Data.Images;
using SkiaSharp;

namespace Orchestrator.Worker.Tests.Data;

public sealed class ImageDecoderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("orch-images-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    private static (byte R, byte G, byte B) Pixel(DecodedImage image, int size, int x, int y)
    {
        var i = ((y * size) + x) * 3;
        return (image.Pixels![i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }

    private static void AssertNear((byte R, byte G, byte B) actual, SKColor expected)
    {
        Assert.InRange(Math.Abs(actual.R - expected.Red), 0, 24);
        Assert.InRange(Math.Abs(actual.G - expected.Green), 0, 24);
        Assert.InRange(Math.Abs(actual.B - expected.Blue), 0, 24);
    }

    [Fact]
    public void Squash_keeps_left_and_right_halves()
    {
        var path = Write("plain.jpg", TestImages.Halves(64, 32, SKColors.Red, SKColors.Blue));
        var image = new ImageDecoder(16, ResizeMode.Squash).Decode(path);
        Assert.False(image.IsSkipped);
        Assert.Equal(16 * 16 * 3, image.Pixels!.Length);
        AssertNear(Pixel(image, 16, 2, 8), SKColors.Red);
        AssertNear(Pixel(image, 16, 13, 8), SKColors.Blue);
    }

    [Theory]
    [InlineData(6, "red-top")] // rotate 90° clockwise: the stored left half is displayed on top
    [InlineData(8, "red-bottom")] // rotate 90° counter-clockwise
    [InlineData(3, "red-right")] // rotate 180°
    [InlineData(2, "red-right")] // mirror
    public void Exif_orientation_is_applied(ushort orientation, string expected)
    {
        var path = Write($"exif{orientation}.jpg", TestImages.WithExifOrientation(TestImages.Halves(64, 32, SKColors.Red, SKColors.Blue), orientation));
        var image = new ImageDecoder(16, ResizeMode.Squash).Decode(path);
        Assert.False(image.IsSkipped, image.SkipReason);
        var (redAt, blueAt) = expected switch
        {
            "red-top" => ((8, 2), (8, 13)),
            "red-bottom" => ((8, 13), (8, 2)),
            _ => ((13, 8), (2, 8)),
        };
        AssertNear(Pixel(image, 16, redAt.Item1, redAt.Item2), SKColors.Red);
        AssertNear(Pixel(image, 16, blueAt.Item1, blueAt.Item2), SKColors.Blue);
    }

    [Fact]
    public void Center_crop_takes_the_middle_square_of_the_shorter_side()
    {
        // 96×32 in three 32-px bands red | green | blue: the centre crop is the green band alone.
        using var bitmap = new SKBitmap(96, 32);
        using (var canvas = new SKCanvas(bitmap))
        {
            foreach (var (x, colour) in new[] { (0, SKColors.Red), (32, SKColors.Lime), (64, SKColors.Blue) })
            {
                using var paint = new SKPaint { Color = colour };
                canvas.DrawRect(x, 0, 32, 32, paint);
            }
        }

        using var png = bitmap.Encode(SKEncodedImageFormat.Png, 100);
        var path = Write("bands.png", png.ToArray());
        var cropped = new ImageDecoder(8, ResizeMode.CenterCrop).Decode(path);
        AssertNear(Pixel(cropped, 8, 0, 4), SKColors.Lime);
        AssertNear(Pixel(cropped, 8, 7, 4), SKColors.Lime);
        var squashed = new ImageDecoder(9, ResizeMode.Squash).Decode(path);
        AssertNear(Pixel(squashed, 9, 0, 4), SKColors.Red);
        AssertNear(Pixel(squashed, 9, 4, 4), SKColors.Lime);
        AssertNear(Pixel(squashed, 9, 8, 4), SKColors.Blue);
    }

    [Fact]
    public void Greyscale_jpeg_and_png_come_out_rgb()
    {
        var grey = Write("grey.jpg", TestImages.Halves(32, 32, new SKColor(40, 40, 40), new SKColor(200, 200, 200), SKEncodedImageFormat.Jpeg, SKColorType.Gray8));
        var image = new ImageDecoder(8, ResizeMode.Squash).Decode(grey);
        Assert.False(image.IsSkipped, image.SkipReason);
        AssertNear(Pixel(image, 8, 1, 4), new SKColor(40, 40, 40));
        AssertNear(Pixel(image, 8, 6, 4), new SKColor(200, 200, 200));

        var png = Write("image.png", TestImages.Halves(32, 32, SKColors.Green, SKColors.White, SKEncodedImageFormat.Png));
        var decodedPng = new ImageDecoder(8, ResizeMode.Squash).Decode(png);
        AssertNear(Pixel(decodedPng, 8, 1, 4), SKColors.Green);
    }

    [Fact]
    public void Cmyk_jpeg_comes_out_rgb()
    {
        var path = Write("cmyk.jpg", TestImages.CmykRedBlue);
        var image = new ImageDecoder(8, ResizeMode.Squash).Decode(path);
        Assert.False(image.IsSkipped, image.SkipReason);
        AssertNear(Pixel(image, 8, 1, 4), SKColors.Red);
        AssertNear(Pixel(image, 8, 6, 4), SKColors.Blue);
    }

    [Theory]
    [InlineData(200, 150, 64, ResizeMode.Squash, 4)] // 100×75: 3/8 would give 75×57, short of 64
    [InlineData(500, 375, 64, ResizeMode.Squash, 2)] // 125×94
    [InlineData(500, 375, 32, ResizeMode.Squash, 1)] // 63×47
    [InlineData(200, 150, 224, ResizeMode.Squash, 8)] // smaller than the target: full size, then enlarged
    [InlineData(375, 500, 64, ResizeMode.CenterCrop, 2)] // shorter side 94
    [InlineData(150, 200, 96, ResizeMode.CenterCrop, 6)] // shorter side 113; 5/8 would give 94
    public void Jpeg_scale_is_the_smallest_eighth_that_covers_the_target(int width, int height, int size, ResizeMode mode, int eighths)
    {
        var decoder = new ImageDecoder(size, mode);
        Assert.Equal(eighths, decoder.DctScaleEighths(width, height));
    }

    [Fact]
    public void A_large_jpeg_decoded_at_a_reduced_scale_keeps_its_colours()
    {
        // 400×300 to 48 px: decoded at 2/8 (100×75), then resized; the halves must stay where they were.
        var path = Write("large.jpg", TestImages.Halves(400, 300, SKColors.Yellow, SKColors.Teal));
        var image = new ImageDecoder(48, ResizeMode.Squash).Decode(path);
        AssertNear(Pixel(image, 48, 4, 24), SKColors.Yellow);
        AssertNear(Pixel(image, 48, 43, 24), SKColors.Teal);
    }

    [Fact]
    public void Corrupt_truncated_and_missing_files_are_skipped_not_thrown()
    {
        var jpeg = TestImages.Halves(256, 256, SKColors.Red, SKColors.Blue);
        var decoder = new ImageDecoder(16, ResizeMode.Squash);
        var garbage = decoder.Decode(Write("garbage.jpg", [.. Enumerable.Range(0, 500).Select(i => (byte)(i * 37))]));
        var truncated = decoder.Decode(Write("truncated.jpg", jpeg[..(jpeg.Length / 2)]));
        var empty = decoder.Decode(Write("empty.jpg", []));
        var missing = decoder.Decode(Path.Combine(folder, "absent.jpg"));
        Assert.All(new[] { garbage, truncated, empty, missing }, d => Assert.True(d.IsSkipped));
        Assert.Equal("file not found", missing.SkipReason);
        Assert.Equal("truncated image", truncated.SkipReason);
    }

    [Fact]
    public void Normalised_pixels_use_imagenet_mean_and_std_in_channel_planes()
    {
        byte[] rgb = [255, 0, 124, 0, 255, 0, 10, 20, 30, 40, 50, 60]; // 2×2, HWC, as the decoder and its cache give it
        var values = ImagePixels.NormalisedChwFromRgb(rgb, 2);
        Assert.Equal(12, values.Length);
        Assert.Equal((1f - 0.485f) / 0.229f, values[0], 5); // R plane, pixel 0
        Assert.Equal((0f - 0.485f) / 0.229f, values[1], 5); // R plane, pixel 1
        Assert.Equal((0f - 0.456f) / 0.224f, values[4], 5); // G plane, pixel 0
        Assert.Equal((1f - 0.456f) / 0.224f, values[5], 5); // G plane, pixel 1
        Assert.Equal(((124f / 255f) - 0.406f) / 0.225f, values[8], 5); // B plane, pixel 0

        // Skia's RGBA (synthetic datasets) goes through the same normalisation; alpha is ignored.
        byte[] rgba = [255, 0, 124, 7, 0, 255, 0, 9, 10, 20, 30, 0, 40, 50, 60, 255];
        Assert.Equal(values, ImagePixels.NormalisedChw(rgba, 2, 2));
    }

    [SkippableFact]
    public void Real_flickr_images_decode_in_parallel()
    {
        var images = Path.Combine(ReferenceData.DataDirectory, "flickr8k-1k", "images");
        var missing = ReferenceData.MissingReason(images);
        Skip.If(missing is not null, missing);
        var paths = Directory.GetFiles(images, "*.jpg").Order(StringComparer.Ordinal).Take(64).ToList();
        var decoded = ParallelImageDecoder.DecodeAll(new ImageDecoder(64, ResizeMode.Squash), paths);
        Assert.Equal(paths, decoded.Select(d => d.Path));
        Assert.All(decoded, d => Assert.False(d.IsSkipped, d.SkipReason));
        Assert.All(decoded, d => Assert.True(d.Pixels!.Distinct().Count() > 16, "not a flat image"));
    }
}

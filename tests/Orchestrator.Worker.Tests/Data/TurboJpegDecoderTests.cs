using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Data.Images;
using SkiaSharp;

namespace Orchestrator.Worker.Tests.Data;

public sealed class TurboJpegDecoderTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("orch-turbo-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static void SkipWithoutLibrary() =>
        Skip.IfNot(TurboJpegDecoder.IsAvailable, "libturbojpeg.so.0 is not installed (Debian libturbojpeg0); JPEGs go through Skia alone");

    private static double MeanAbsDiff(byte[] a, byte[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Average();

    [SkippableTheory]
    [InlineData(64, ResizeMode.Squash)]
    [InlineData(96, ResizeMode.CenterCrop)]
    [InlineData(224, ResizeMode.Squash)]
    public void Turbo_and_skia_give_nearly_the_same_pixels_on_flickr_photos(int size, ResizeMode mode)
    {
        SkipWithoutLibrary();
        var images = Path.Combine(ReferenceData.DataDirectory, "flickr8k-1k", "images");
        var missing = ReferenceData.MissingReason(images);
        Skip.If(missing is not null, missing);
        var turbo = new ImageDecoder(size, mode);
        var skia = new ImageDecoder(size, mode) { UseTurboJpeg = false };
        foreach (var path in Directory.GetFiles(images, "*.jpg").Order(StringComparer.Ordinal).Take(8))
        {
            var a = turbo.Decode(path);
            var b = skia.Decode(path);
            Assert.False(a.IsSkipped, a.SkipReason);
            Assert.False(b.IsSkipped, b.SkipReason);
            Assert.InRange(MeanAbsDiff(a.Pixels!, b.Pixels!), 0, 3.0);
        }
    }

    [SkippableFact]
    public void Cmyk_is_left_to_skia_which_inverts_it()
    {
        SkipWithoutLibrary();
        Assert.False(TurboJpegDecoder.TryReadHeader(TestImages.CmykRedBlue, out _, out _));
        var path = Path.Combine(folder, "cmyk.jpg");
        File.WriteAllBytes(path, TestImages.CmykRedBlue);
        var image = new ImageDecoder(8, ResizeMode.Squash).Decode(path);
        Assert.False(image.IsSkipped, image.SkipReason);
        Assert.Equal(new ImageDecoder(8, ResizeMode.Squash) { UseTurboJpeg = false }.Decode(path).Pixels, image.Pixels);
    }

    [SkippableFact]
    public void Jpeg_looking_garbage_is_skipped_and_not_jpegs_are_not_read()
    {
        SkipWithoutLibrary();
        byte[] garbage = [0xFF, 0xD8, 0xFF, 0xE0, .. Enumerable.Range(0, 500).Select(i => (byte)(i * 37))];
        Assert.False(TurboJpegDecoder.TryReadHeader("not a jpeg at all"u8, out _, out _));
        var path = Path.Combine(folder, "garbage.jpg");
        File.WriteAllBytes(path, garbage);
        Assert.True(new ImageDecoder(16, ResizeMode.Squash).Decode(path).IsSkipped);

        // A truncated JPEG is a TurboJPEG warning: Skia decides, and skips it as before.
        var truncated = Path.Combine(folder, "truncated.jpg");
        var jpeg = TestImages.Halves(256, 256, SKColors.Red, SKColors.Blue);
        File.WriteAllBytes(truncated, jpeg[..(jpeg.Length / 2)]);
        Assert.Equal("truncated image", new ImageDecoder(16, ResizeMode.Squash).Decode(truncated).SkipReason);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(6)]
    [InlineData(8)]
    public void Exif_orientation_is_read_from_app1(ushort orientation)
    {
        var jpeg = TestImages.WithExifOrientation(TestImages.Halves(16, 8, SKColors.Red, SKColors.Blue), orientation);
        Assert.Equal(orientation, TurboJpegDecoder.ExifOrientation(jpeg));
    }

    [Fact]
    public void Big_endian_exif_and_no_exif_read_right()
    {
        var plain = TestImages.Halves(16, 8, SKColors.Red, SKColors.Blue);
        Assert.Equal(1, TurboJpegDecoder.ExifOrientation(plain));
        byte[] exif =
        [
            0xFF, 0xE1, 0x00, 0x22,
            (byte)'E', (byte)'x', (byte)'i', (byte)'f', 0, 0,
            (byte)'M', (byte)'M', 0x00, 0x2A, 0x00, 0x00, 0x00, 0x08, // big-endian TIFF, IFD at 8
            0x00, 0x01,
            0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x05, 0x00, 0x00, // Orientation, SHORT, 1: 5
            0x00, 0x00, 0x00, 0x00,
        ];
        Assert.Equal(5, TurboJpegDecoder.ExifOrientation([.. plain.AsSpan(0, 2), .. exif, .. plain.AsSpan(2)]));
    }

    [SkippableFact]
    public void Synthetic_images_match_skia_in_every_orientation()
    {
        SkipWithoutLibrary();
        foreach (ushort orientation in new ushort[] { 1, 2, 3, 4, 5, 6, 7, 8 })
        {
            var path = Path.Combine(folder, $"o{orientation}.jpg");
            File.WriteAllBytes(path, TestImages.WithExifOrientation(TestImages.Halves(96, 64, SKColors.Red, SKColors.Blue), orientation));
            var turbo = new ImageDecoder(24, ResizeMode.CenterCrop).Decode(path);
            var skia = new ImageDecoder(24, ResizeMode.CenterCrop) { UseTurboJpeg = false }.Decode(path);
            Assert.InRange(MeanAbsDiff(turbo.Pixels!, skia.Pixels!), 0, 1.0);
        }
    }
}

using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Data.Images;
using SkiaSharp;

namespace Orchestrator.Worker.Tests.Data;

public sealed class DecodedImageCacheTests : IDisposable
{
    private readonly string root = Directory.CreateTempSubdirectory("orch-cache-test-").FullName;

    public void Dispose() => Directory.Delete(root, recursive: true);

    private List<string> WriteImages(int good, int corrupt)
    {
        var images = Path.Combine(root, "images");
        Directory.CreateDirectory(images);
        var paths = new List<string>();
        for (var i = 0; i < good + corrupt; i++)
        {
            var path = Path.Combine(images, $"{i:D3}.jpg");
            File.WriteAllBytes(path, i < good
                ? TestImages.Halves(40, 30, new SKColor((byte)(i * 20), 0, 0), SKColors.Blue)
                : [.. Enumerable.Repeat((byte)0x42, 300)]);
            paths.Add(path);
        }

        return paths;
    }

    [Fact]
    public void Second_open_decodes_nothing_and_returns_the_same_pixels()
    {
        var paths = WriteImages(good: 6, corrupt: 2);
        var cacheDirectory = Path.Combine(root, "cache");
        var decoder = new ImageDecoder(16, ResizeMode.Squash);
        var direct = decoder.Decode(paths[3]).Pixels!;

        using (var first = DecodedImageCache.OpenOrBuild(paths, decoder, cacheDirectory))
        {
            Assert.Equal(8, first.DecodedThisTime);
            Assert.Equal(2, first.SkippedImages.Count);
            Assert.False(first.IsUsable(7));
            Assert.True(first.IsUsable(3));
        }

        using var second = DecodedImageCache.OpenOrBuild(paths, decoder, cacheDirectory);
        Assert.Equal(0, second.DecodedThisTime);
        Assert.Equal([paths[6], paths[7]], second.SkippedImages.Select(s => s.Path));
        var cached = new byte[second.ImageBytes];
        second.ReadPixels(3, cached);
        Assert.Equal(direct, cached);
        Assert.StartsWith(cacheDirectory, second.Path, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(cacheDirectory, "*.tmp"));

        var normalised = second.NormalisedChw(3, new byte[second.ImageBytes]);
        Assert.Equal(ImagePixels.NormalisedChwFromRgb(direct, 16), normalised);
    }

    [Fact]
    public void Changed_file_size_or_resize_is_a_different_cache()
    {
        var paths = WriteImages(good: 3, corrupt: 0);
        var cacheDirectory = Path.Combine(root, "cache");
        using (var a = DecodedImageCache.OpenOrBuild(paths, new ImageDecoder(16, ResizeMode.Squash), cacheDirectory))
        {
            Assert.Equal(3, a.DecodedThisTime);
        }

        using (var b = DecodedImageCache.OpenOrBuild(paths, new ImageDecoder(16, ResizeMode.CenterCrop), cacheDirectory))
        {
            Assert.Equal(3, b.DecodedThisTime);
        }

        using (var c = DecodedImageCache.OpenOrBuild(paths, new ImageDecoder(24, ResizeMode.Squash), cacheDirectory))
        {
            Assert.Equal(3, c.DecodedThisTime);
        }

        File.SetLastWriteTimeUtc(paths[1], DateTime.UtcNow.AddMinutes(-5));
        using var d = DecodedImageCache.OpenOrBuild(paths, new ImageDecoder(16, ResizeMode.Squash), cacheDirectory);
        Assert.Equal(3, d.DecodedThisTime);
        Assert.Equal(8, Directory.GetFiles(cacheDirectory).Length); // four caches, each with its skipped list
    }

    [Fact]
    public void Default_directory_is_a_user_cache_folder()
    {
        var directory = DecodedImageCache.DefaultDirectory();
        Assert.EndsWith(Path.Combine("orchestrator", "images"), directory, StringComparison.Ordinal);
    }
}

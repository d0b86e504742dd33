using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data.Readers;
using Orchestrator.Worker.Engine.Data;
using SkiaSharp;

namespace Orchestrator.Worker.Tests.Engine;

public sealed class FileDatasetLoaderTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-files-").FullName;

    [Fact]
    public void Corrupt_and_missing_images_are_skipped_and_counted_and_the_rest_split_by_image()
    {
        var images = Path.Combine(directory, "images");
        Directory.CreateDirectory(images);
        var lines = new List<string> { "image,caption" };
        for (var i = 0; i < 10; i++)
        {
            using var bitmap = new SKBitmap(40, 30);
            bitmap.Erase(new SKColor((byte)(i * 25), 80, (byte)(255 - (i * 25))));
            using (var file = File.Create(Path.Combine(images, $"img{i}.png")))
            {
                bitmap.Encode(file, SKEncodedImageFormat.Png, 100);
            }

            lines.Add($"img{i}.png,a picture number {i}");
            lines.Add($"img{i}.png,\"another caption, number {i}\"");
        }

        File.WriteAllText(Path.Combine(images, "garbage.jpg"), "not an image");
        File.WriteAllBytes(Path.Combine(images, "truncated.png"), File.ReadAllBytes(Path.Combine(images, "img0.png"))[..40]);
        lines.AddRange(["garbage.jpg,a broken file", "truncated.png,a cut file", "absent.jpg,a file that is not there"]);
        File.WriteAllLines(Path.Combine(directory, "captions.txt"), lines);
        var spec = new DatasetSpec { Format = "captions-csv", Images = images, Captions = Path.Combine(directory, "captions.txt"), ValFraction = 0.3 };

        var loaded = FileDatasetLoader.Load(spec, 32, Path.Combine(directory, "cache"));

        Assert.True(loaded.SkippedImages == 3, string.Join(" | ", loaded.SkipReasons));
        Assert.Equal(10, loaded.Set.Images.Count);
        Assert.Equal(20, loaded.Set.Captions.Count);
        Assert.Empty(loaded.Split.TrainImages.Intersect(loaded.Split.ValImages));
        Assert.Equal(10, loaded.Split.TrainImages.Count + loaded.Split.ValImages.Count);
        Assert.InRange(loaded.Split.ValImages.Count, 2, 4); // 30 % of the 12 readable files, split before decoding
    }

    [Fact]
    public void A_caption_file_that_does_not_exist_is_a_dataset_error_naming_the_path()
    {
        Directory.CreateDirectory(Path.Combine(directory, "images"));
        var missing = Path.Combine(directory, "nope.txt");
        var spec = new DatasetSpec { Format = "captions-csv", Images = Path.Combine(directory, "images"), Captions = missing };

        var error = Assert.Throws<DatasetFormatException>(() => FileDatasetLoader.Load(spec, 32));

        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);
}

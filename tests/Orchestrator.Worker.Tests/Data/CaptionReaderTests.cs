using Orchestrator.Shared.Specs;
using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Data.Readers;

namespace Orchestrator.Worker.Tests.Data;

public sealed class CaptionReaderTests
{
    [Fact]
    public void Captions_csv_with_id_column_quoted_commas_and_a_missing_image()
    {
        using var data = new TempDataset("a.jpg", "b.jpg");
        var captions = data.Write("captions.csv", "image,caption,id\na.jpg,\"A dog, brown, runs\",1\nb.jpg,\"Two \"\"cats\"\"\",2\nb.jpg,unquoted, with comma,3\ngone.jpg,never seen,4\n");
        var dataset = CaptionDatasetReader.Read(new DatasetSpec { Format = "captions-csv", Images = data.Images, Captions = captions });
        Assert.Equal(["A dog, brown, runs", "Two \"cats\"", "unquoted, with comma"], dataset.Pairs.Select(p => p.Caption));
        Assert.Equal(Path.Combine(data.Images, "a.jpg"), dataset.Pairs[0].ImagePath);
        Assert.Equal(["gone.jpg"], dataset.MissingImages);
        Assert.All(dataset.Pairs, p => Assert.NotNull(p.Split));
    }

    [Fact]
    public void Captions_csv_without_caption_column_names_it()
    {
        using var data = new TempDataset("a.jpg");
        var captions = data.Write("captions.txt", "image,text\na.jpg,hello\n");
        var error = Assert.Throws<DatasetFormatException>(() => CaptionDatasetReader.Read(new DatasetSpec { Format = "captions-csv", Images = data.Images, Captions = captions }));
        Assert.Contains("no 'caption' column", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_caption_file_and_image_folder_are_clear_errors()
    {
        using var data = new TempDataset("a.jpg");
        var noFile = Assert.Throws<FileNotFoundException>(() => CaptionDatasetReader.Read(new DatasetSpec { Format = "flickr8k-token", Images = data.Images, Captions = Path.Combine(data.Root, "nope.txt") }));
        Assert.Contains("dataset.captions file not found", noFile.Message, StringComparison.Ordinal);
        Assert.Throws<DirectoryNotFoundException>(() => CaptionDatasetReader.Read(new DatasetSpec { Format = "flickr8k-token", Images = Path.Combine(data.Root, "none"), Captions = "x" }));
        var noPairs = Assert.Throws<DatasetFormatException>(() => CaptionDatasetReader.Read(new DatasetSpec { Format = "flickr8k-token", Images = data.Images, Captions = data.Write("t.txt", "z.jpg#0\tcap\n") }));
        Assert.Contains("no usable image-caption pair", noPairs.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Flickr8k_token_file()
    {
        using var data = new TempDataset("1.jpg", "2.jpg");
        var captions = data.Write("Flickr8k.token.txt", "1.jpg#0\tA dog .\n1.jpg#1\tA brown dog .\n2.jpg#0\tA cat #1 fan .\n");
        var dataset = CaptionDatasetReader.Read(new DatasetSpec { Format = "flickr8k-token", Images = data.Images, Captions = captions });
        Assert.Equal(3, dataset.Pairs.Count);
        Assert.Equal("A cat #1 fan .", dataset.Pairs[2].Caption);
        Assert.Equal(Path.Combine(data.Images, "2.jpg"), dataset.Pairs[2].ImagePath);
        var bad = data.Write("bad.txt", "1.jpg A dog\n");
        var error = Assert.Throws<DatasetFormatException>(() => Flickr8kTokenReader.Read(bad, new ImageFolder(data.Images)));
        Assert.Contains("bad.txt:1", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Karpathy_json_keeps_its_split_and_folders()
    {
        using var data = new TempDataset("train2014/a.jpg", "val2014/b.jpg", "c.jpg");
        var annotations = data.Write("dataset_coco.json", """
            {"dataset":"coco","images":[
              {"filepath":"train2014","filename":"a.jpg","split":"train","sentences":[{"raw":"one"},{"raw":"two"}]},
              {"filepath":"val2014","filename":"b.jpg","split":"restval","sentences":[{"raw":"three"}]},
              {"filename":"c.jpg","split":"test","sentences":[{"raw":"four"}]},
              {"filename":"d.jpg","split":"val","sentences":[{"raw":"five"}]}]}
            """);
        var dataset = CaptionDatasetReader.Read(new DatasetSpec { Format = "karpathy-json", Images = data.Images, Annotations = annotations });
        Assert.Equal([DatasetSplit.Train, DatasetSplit.Train, DatasetSplit.Train, DatasetSplit.Test], dataset.Pairs.Select(p => p.Split!.Value));
        Assert.Equal(Path.Combine(data.Images, "val2014", "b.jpg"), dataset.Pairs[2].ImagePath);
        Assert.Equal(["d.jpg"], dataset.MissingImages);
    }

    [Fact]
    public void Coco_captions_json()
    {
        using var data = new TempDataset("x.jpg", "y.jpg");
        var annotations = data.Write("captions_val2014.json", """
            {"images":[{"id":7,"file_name":"x.jpg"},{"id":9,"file_name":"y.jpg"}],
             "annotations":[{"image_id":7,"id":1,"caption":"a"},{"image_id":9,"id":2,"caption":" b "},{"image_id":7,"id":3,"caption":"c"}]}
            """);
        var dataset = CaptionDatasetReader.Read(new DatasetSpec { Format = "coco-captions", Images = data.Images, Annotations = annotations, ValFraction = 0.5 });
        Assert.Equal(["a", "b", "c"], dataset.Pairs.Select(p => p.Caption));
        Assert.Single(dataset.Pairs.Where(p => p.Split == DatasetSplit.Val).Select(p => p.ImagePath).Distinct());
        var broken = data.Write("broken.json", """{"images":[{"id":1}],"annotations":[]}""");
        var error = Assert.Throws<DatasetFormatException>(() => CocoCaptionsReader.Read(broken, new ImageFolder(data.Images)));
        Assert.Contains("images[] has no 'file_name' field", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Real_flickr8k_subset_splits_80_20_by_image_with_no_overlap()
    {
        var root = Path.Combine(ReferenceData.DataDirectory, "flickr8k-1k");
        var missing = ReferenceData.MissingReason(root);
        Skip.If(missing is not null, missing);
        var spec = new DatasetSpec { Format = "captions-csv", Images = Path.Combine(root, "images"), Captions = Path.Combine(root, "captions.txt") };
        var dataset = CaptionDatasetReader.Read(spec);
        Assert.Equal(5000, dataset.Pairs.Count);
        Assert.Empty(dataset.MissingImages);
        var train = dataset.InSplit(DatasetSplit.Train).Select(p => p.ImagePath).ToHashSet();
        var val = dataset.InSplit(DatasetSplit.Val).Select(p => p.ImagePath).ToHashSet();
        Assert.Equal(800, train.Count);
        Assert.Equal(200, val.Count);
        Assert.Empty(train.Intersect(val));
        Assert.Equal(1000, dataset.Images.Count);

        // Same seed, same split; another seed, another split.
        Assert.Equal(val, CaptionDatasetReader.Read(spec).InSplit(DatasetSplit.Val).Select(p => p.ImagePath).ToHashSet());
        Assert.NotEqual(val, CaptionDatasetReader.Read(spec with { SplitSeed = 7 }).InSplit(DatasetSplit.Val).Select(p => p.ImagePath).ToHashSet());
    }
}

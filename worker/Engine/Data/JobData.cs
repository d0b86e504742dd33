using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Text;

namespace Orchestrator.Worker.Engine.Data;

/// <summary>
/// A job's data, ready to batch: images decoded once into memory, split by image, captions tokenised with the
/// text tower's own tokenizer when it has one (DistilBERT's WordPiece), else a vocabulary built from the training
/// captions only.
/// </summary>
public sealed class JobData
{
    private JobData(CaptionedImageSet set, ImageSplit split, ICaptionTokenizer tokenizer, BatchAssembler assembler, IReadOnlyList<int> trainSamples, IReadOnlyList<int> valSamples)
    {
        Set = set;
        Split = split;
        Tokenizer = tokenizer;
        Assembler = assembler;
        TrainSamples = trainSamples;
        ValSamples = valSamples;
    }

    public CaptionedImageSet Set { get; }

    /// <summary>Images referenced by the caption file but absent, corrupt or unreadable: skipped, counted, reported.</summary>
    public int SkippedImages { get; private set; }

    public ImageSplit Split { get; }

    public ICaptionTokenizer Tokenizer { get; }

    public BatchAssembler Assembler { get; }

    /// <summary>Indices into <see cref="BatchAssembler.Samples"/> of the training captions.</summary>
    public IReadOnlyList<int> TrainSamples { get; }

    /// <summary>Indices into <see cref="BatchAssembler.Samples"/> of the held-out captions.</summary>
    public IReadOnlyList<int> ValSamples { get; }

    /// <summary>Reads the job's dataset; <paramref name="tokenizer"/> is the text tower's, null to build a word vocabulary from the training captions.</summary>
    public static JobData Load(JobDefinition job, ICaptionTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(job);
        var dataset = job.Dataset;
        if (dataset.Format == "synthetic")
        {
            var synthetic = SyntheticShapes.Generate(dataset.SyntheticImages, dataset.CaptionsPerImage, job.Parameters.ImageSize, dataset.SplitSeed);
            return FromSet(synthetic, dataset.ValFraction, dataset.SplitSeed, job.Parameters.MaxLength, tokenizer);
        }

        var loaded = FileDatasetLoader.Load(dataset, job.Parameters.ImageSize);
        var data = FromSet(loaded.Set, loaded.Split, job.Parameters.MaxLength, tokenizer);
        data.SkippedImages = loaded.SkippedImages;
        return data;
    }

    public static JobData FromSet(CaptionedImageSet set, double valFraction, int splitSeed, int maxLength, ICaptionTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        return FromSet(set, ImageSplit.ByImage(set.Images.Count, valFraction, splitSeed), maxLength, tokenizer);
    }

    public static JobData FromSet(CaptionedImageSet set, ImageSplit split, int maxLength, ICaptionTokenizer? tokenizer = null)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(split);
        var trainImages = split.TrainImages.ToHashSet();
        tokenizer ??= CaptionVocabulary.Build(set.Captions.Where(c => trainImages.Contains(c.Image)).Select(c => c.Text));
        var samples = set.Captions.Select(c => new TokenizedSample(c.Image, tokenizer.Encode(c.Text, maxLength))).ToArray();
        var trainSamples = Enumerable.Range(0, samples.Length).Where(i => trainImages.Contains(samples[i].Image)).ToArray();
        var valSamples = Enumerable.Range(0, samples.Length).Where(i => !trainImages.Contains(samples[i].Image)).ToArray();
        return new JobData(set, split, tokenizer, new BatchAssembler(set, samples, tokenizer.PadId), trainSamples, valSamples);
    }
}

using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Clip;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Evaluation;

/// <summary>
/// Retrieval of a model over some of a job's images with all of their captions: the held-out split after every
/// epoch, or the training split, which tells a model that memorises from one that learns nothing. Leaves the model
/// in eval mode.
/// </summary>
public static class RetrievalEvaluator
{
    private const int EncodeBatch = 64;

    /// <summary>
    /// Ranks <paramref name="images"/> (indices into the job's images, each embedded once) for the captions
    /// <paramref name="samples"/> (indices into <see cref="BatchAssembler.Samples"/>, each belonging to one of them).
    /// </summary>
    public static RetrievalMetrics Evaluate(ClipModel model, BatchAssembler assembler, IReadOnlyList<int> images, IReadOnlyList<int> samples, Device device)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(assembler);
        return Evaluate(
            model,
            assembler.Samples,
            images,
            samples,
            chunk => model.EncodeImages(assembler.ImagesOf(chunk).to(device)),
            chunk =>
            {
                var (ids, mask) = assembler.TokensOf(chunk);
                return model.EncodeTexts(ids.to(device), mask.to(device));
            });
    }

    /// <summary>As above for a model whose frozen towers' outputs were computed once: only its heads run.</summary>
    public static RetrievalMetrics Evaluate(ClipModel model, FrozenTowerFeatures features, IReadOnlyList<TokenizedSample> allSamples, IReadOnlyList<int> images, IReadOnlyList<int> samples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(features);
        return Evaluate(
            model,
            allSamples,
            images,
            samples,
            chunk => model.ProjectImageFeatures(features.ImagesOf(chunk)),
            chunk => model.ProjectTextFeatures(features.TextsOf(chunk)));
    }

    private static RetrievalMetrics Evaluate(
        ClipModel model, IReadOnlyList<TokenizedSample> allSamples, IReadOnlyList<int> images, IReadOnlyList<int> samples, Func<int[], Tensor> embedImages, Func<int[], Tensor> embedTexts)
    {
        ArgumentNullException.ThrowIfNull(allSamples);
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(samples);
        model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var imageEmbeddings = cat(images.Chunk(EncodeBatch).Select(chunk => embedImages(chunk).cpu()).ToArray(), 0);
        var textEmbeddings = cat(samples.Chunk(EncodeBatch).Select(chunk => embedTexts(chunk).cpu()).ToArray(), 0);
        var row = images.Select((image, i) => (image, i)).ToDictionary(p => p.image, p => p.i);
        var owners = samples.Select(s => row[allSamples[s].Image]).ToArray();
        return RetrievalMetrics.Compute(imageEmbeddings, textEmbeddings, owners);
    }
}

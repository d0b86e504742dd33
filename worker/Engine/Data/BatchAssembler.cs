using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Data;

/// <summary>A caption already turned into token ids, with the image it belongs to.</summary>
public sealed record TokenizedSample(int Image, long[] Ids);

/// <summary>
/// Copies cached images and tokenised captions into batch tensors. Captions are padded to the longest in the
/// batch rather than to max_length: with the attention mask the result is the same and the work smaller.
/// </summary>
public sealed class BatchAssembler(CaptionedImageSet images, IReadOnlyList<TokenizedSample> samples, long padId)
{
    public IReadOnlyList<TokenizedSample> Samples { get; } = samples;

    public ClipBatch Assemble(IReadOnlyList<int> sampleIndices)
    {
        ArgumentNullException.ThrowIfNull(sampleIndices);
        var pixels = ImagesOf(sampleIndices.Select(s => Samples[s].Image).ToArray());
        var (ids, mask) = TokensOf(sampleIndices);
        return new ClipBatch(pixels, ids, mask);
    }

    public Tensor ImagesOf(IReadOnlyList<int> imageIndices)
    {
        ArgumentNullException.ThrowIfNull(imageIndices);
        var size = images.ImageSize;
        var plane = 3 * size * size;
        var buffer = new float[imageIndices.Count * plane];
        for (var i = 0; i < imageIndices.Count; i++)
        {
            images.Images[imageIndices[i]].CopyTo(buffer, i * plane);
        }

        return tensor(buffer, [imageIndices.Count, 3, size, size]);
    }

    public (Tensor Ids, Tensor Mask) TokensOf(IReadOnlyList<int> sampleIndices)
    {
        ArgumentNullException.ThrowIfNull(sampleIndices);
        var length = sampleIndices.Max(s => Samples[s].Ids.Length);
        var ids = new long[sampleIndices.Count * length];
        var mask = new long[ids.Length];
        Array.Fill(ids, padId);
        for (var i = 0; i < sampleIndices.Count; i++)
        {
            var caption = Samples[sampleIndices[i]].Ids;
            caption.CopyTo(ids, i * length);
            Array.Fill(mask, 1L, i * length, caption.Length);
        }

        return (tensor(ids, [sampleIndices.Count, length]), tensor(mask, [sampleIndices.Count, length]));
    }
}

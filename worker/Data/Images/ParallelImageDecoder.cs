namespace Orchestrator.Worker.Data.Images;

/// <summary>Decodes many files at once on all cores (or the given number); results keep the input order.</summary>
public static class ParallelImageDecoder
{
    public static DecodedImage[] DecodeAll(ImageDecoder decoder, IReadOnlyList<string> paths, int? threads = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(paths);
        var results = new DecodedImage[paths.Count];
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount, CancellationToken = cancellation };
        Parallel.For(0, paths.Count, options, i => results[i] = decoder.Decode(paths[i]));
        return results;
    }
}

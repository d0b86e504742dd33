namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>
/// Receives one decoded image: its index in the input, and its RGB pixels, or an empty span and why it was skipped.
/// The span is the decoding thread's buffer and is reused once this returns.
/// </summary>
public delegate void DecodedPixelsHandler(int index, ReadOnlySpan<byte> pixels, string? skipReason);

/// <summary>Decodes many files at once on all cores (or the given number).</summary>
public static class ParallelImageDecoder
{
    /// <summary>Hands every image to <paramref name="handler"/> from the thread that decoded it, into one buffer per thread.</summary>
    public static void DecodeEach(ImageDecoder decoder, IReadOnlyList<string> paths, DecodedPixelsHandler handler, int? threads = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(handler);
        var options = new ParallelOptions { MaxDegreeOfParallelism = threads ?? Environment.ProcessorCount, CancellationToken = cancellation };
        Parallel.For(
            0,
            paths.Count,
            options,
            () => new byte[decoder.ImageBytes],
            (i, _, buffer) =>
            {
                if (decoder.TryDecodeInto(paths[i], buffer, out var skipReason))
                {
                    handler(i, buffer, null);
                }
                else
                {
                    handler(i, [], skipReason);
                }

                return buffer;
            },
            _ => { });
    }

    /// <summary>Every image as its own array; results keep the input order.</summary>
    public static DecodedImage[] DecodeAll(ImageDecoder decoder, IReadOnlyList<string> paths, int? threads = null, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var results = new DecodedImage[paths.Count];
        DecodeEach(
            decoder,
            paths,
            (i, pixels, skipReason) => results[i] = skipReason is null ? new DecodedImage(paths[i], pixels.ToArray(), null) : DecodedImage.Skipped(paths[i], skipReason),
            threads,
            cancellation);
        return results;
    }
}

using System.Globalization;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>
/// The decoded, resized uint8 images of a dataset in one memory-mapped file on local disk, keyed by the dataset's
/// fingerprint (paths, sizes, modification times) plus size, resize mode and decoder version, so epoch 2 and every other job of a
/// sweep on this machine decode nothing. Lives in the user's cache folder, never beside the (read-only) data.
/// Layout: 16-byte header (magic, count, size), one status byte per image, then count × size × size × 3 pixels.
/// </summary>
public sealed class DecodedImageCache : IDisposable
{
    private const string Magic = "ORCHIMG1";
    private const int HeaderBytes = 16;
    private const byte Usable = 1;

    private readonly MemoryMappedFile file;
    private readonly MemoryMappedViewAccessor view;
    private readonly byte[] status;

    private DecodedImageCache(string path, int count, int size, IReadOnlyList<SkippedImage> skipped, int decoded)
    {
        Path = path;
        Count = count;
        Size = size;
        SkippedImages = skipped;
        DecodedThisTime = decoded;
        file = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
        view = file.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
        status = new byte[count];
        view.ReadArray(HeaderBytes, status, 0, count);
    }

    public string Path { get; }

    public int Count { get; }

    public int Size { get; }

    public int ImageBytes => Size * Size * 3;

    /// <summary>Images decoded while opening: all of them on a miss, 0 when the cache already held the dataset.</summary>
    public int DecodedThisTime { get; }

    public IReadOnlyList<SkippedImage> SkippedImages { get; }

    /// <summary>$ORCH_CACHE_DIR, else $XDG_CACHE_HOME/orchestrator/images, else ~/.cache/orchestrator/images, else the temp folder.</summary>
    public static string DefaultDirectory() => UserFolders.Cache("images", EnvironmentVariables.ImageCacheDirectory);

    /// <summary>Opens the cache for these images, decoding them all (in parallel) first when it does not exist yet.</summary>
    public static DecodedImageCache OpenOrBuild(IReadOnlyList<string> images, ImageDecoder decoder, string? directory = null, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(images);
        ArgumentNullException.ThrowIfNull(decoder);
        directory ??= DefaultDirectory();
        Directory.CreateDirectory(directory);
        var key = Fingerprint(images, decoder);
        var path = System.IO.Path.Combine(directory, $"{key}.u8");
        var skippedPath = path + ".skipped.json";
        if (File.Exists(path) && File.Exists(skippedPath))
        {
            return new DecodedImageCache(path, images.Count, decoder.Size, ReadSkipped(skippedPath), 0);
        }

        var skipped = Build(images, decoder, path, skippedPath, threads);
        return new DecodedImageCache(path, images.Count, decoder.Size, skipped, images.Count);
    }

    public bool IsUsable(int index) => status[index] == Usable;

    public void ReadPixels(int index, byte[] destination, int offset = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
        view.ReadArray(HeaderBytes + Count + ((long)index * ImageBytes), destination, offset, ImageBytes);
    }

    /// <summary>
    /// Image <paramref name="index"/> as the normalised CHW floats a job holds in memory (<see cref="ImagePixels"/>);
    /// <paramref name="scratch"/> holds <see cref="ImageBytes"/> bytes and is reused between calls.
    /// </summary>
    public float[] NormalisedChw(int index, byte[] scratch)
    {
        ReadPixels(index, scratch);
        return ImagePixels.NormalisedChwFromRgb(scratch, Size);
    }

    public void Dispose()
    {
        view.Dispose();
        file.Dispose();
    }

    private static List<SkippedImage> Build(IReadOnlyList<string> images, ImageDecoder decoder, string path, string skippedPath, int? threads)
    {
        var imageBytes = (long)decoder.Size * decoder.Size * 3;
        var temporary = $"{path}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
        var skipped = new SkippedImage?[images.Count];
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.ReadWrite))
            {
                stream.SetLength(HeaderBytes + images.Count + (images.Count * imageBytes));
                using var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.ReadWrite, HandleInheritability.None, leaveOpen: true);
                using var view = map.CreateViewAccessor();
                view.WriteArray(0, Encoding.ASCII.GetBytes(Magic), 0, 8);
                view.Write(8, images.Count);
                view.Write(12, decoder.Size);
                // Each image owns a disjoint region of the view, so the decoders write without locking.
                var pixelsStart = HeaderBytes + images.Count + view.PointerOffset;
                ParallelImageDecoder.DecodeEach(decoder, images, (i, pixels, skipReason) =>
                {
                    if (skipReason is not null)
                    {
                        skipped[i] = new SkippedImage(images[i], skipReason);
                        return;
                    }

                    view.SafeMemoryMappedViewHandle.WriteSpan((ulong)(pixelsStart + (i * imageBytes)), pixels);
                    view.Write(HeaderBytes + i, Usable);
                }, threads);
                view.Flush();
            }

            var list = skipped.OfType<SkippedImage>().ToList();
            File.WriteAllText(skippedPath, JsonSerializer.Serialize(list));
            // Another job may have finished the same cache first; either file is identical.
            File.Move(temporary, path, overwrite: true);
            return list;
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    private static List<SkippedImage> ReadSkipped(string path) =>
        JsonSerializer.Deserialize<List<SkippedImage>>(File.ReadAllText(path)) ?? [];

    private static string Fingerprint(IReadOnlyList<string> images, ImageDecoder decoder)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string text) => hash.AppendData(Encoding.UTF8.GetBytes(text + "\n"));
        Add($"{Magic} v{ImageDecoder.PixelsVersion} {decoder.Size} {decoder.Mode} {images.Count}");
        foreach (var image in images)
        {
            var info = new FileInfo(image);
            Add(info.Exists
                ? string.Create(CultureInfo.InvariantCulture, $"{info.FullName}\t{info.Length}\t{info.LastWriteTimeUtc.Ticks}")
                : $"{info.FullName}\tabsent");
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}

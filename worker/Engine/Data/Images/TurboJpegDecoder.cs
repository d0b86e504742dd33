using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Orchestrator.Worker.Engine.Data.Images;

/// <summary>
/// JPEG decoding through the system's libturbojpeg (Debian `libturbojpeg0`, TurboJPEG API 2.x). SkiaSharp's bundled
/// libjpeg-turbo is built without SIMD on x86-64, which made our decode + resize half as fast as `djpeg`; the
/// system library has it. Everything here is optional: without the library, for files that are not plain JPEGs,
/// for CMYK/YCCK JPEGs and on any TurboJPEG error or warning (truncated or corrupt data) the methods answer false
/// and <see cref="ImageDecoder"/> decodes with Skia exactly as before. Both run libjpeg-turbo's accurate integer
/// IDCT with fancy upsampling, so the two paths give the same pixels up to SIMD rounding.
/// </summary>
public static unsafe class TurboJpegDecoder
{
    private const int PixelFormatBgra = 8; // TJPF_BGRA: alpha 255, Skia's native layout (see ImageDecoder.Target)
    private const int ColourspaceCmyk = 3; // TJCS_CMYK
    private const int ColourspaceYcck = 4; // TJCS_YCCK

    // Resolved once; null members when the library (or one of its entry points) is absent.
    private static readonly nint Library = NativeLibrary.TryLoad("libturbojpeg.so.0", out var handle) ? handle : 0;
    private static readonly delegate* unmanaged<nint> InitDecompress = (delegate* unmanaged<nint>)Export("tjInitDecompress");
    private static readonly delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int> DecompressHeader3 =
        (delegate* unmanaged<nint, byte*, nuint, int*, int*, int*, int*, int>)Export("tjDecompressHeader3");
    private static readonly delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int> Decompress2 =
        (delegate* unmanaged<nint, byte*, nuint, byte*, int, int, int, int, int, int>)Export("tjDecompress2");

    // One decompressor and one output buffer per thread, as ParallelImageDecoder keeps one pixel buffer per thread:
    // a fresh handle costs an allocation of libjpeg's state per image, a fresh buffer a large-object allocation. The
    // threads are the pool's, which live as long as the process, so the handles are never destroyed.
    [ThreadStatic]
    private static nint threadHandle;

    [ThreadStatic]
    private static byte[]? threadBuffer;

    /// <summary>Whether libturbojpeg was found and has the entry points used here.</summary>
    public static bool IsAvailable => InitDecompress != null && DecompressHeader3 != null && Decompress2 != null;

    private static nint Export(string name) => Library != 0 && NativeLibrary.TryGetExport(Library, name, out var address) ? address : 0;

    /// <summary>Whether <paramref name="data"/> starts with a JPEG's SOI marker.</summary>
    public static bool IsJpeg(ReadOnlySpan<byte> data) => data.Length > 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    /// <summary>
    /// The stored size of a JPEG this path can decode; false when the library is absent, the data is not a JPEG,
    /// its header is unreadable, or it is CMYK/YCCK (Skia inverts Adobe CMYK, which TurboJPEG leaves to the caller).
    /// </summary>
    public static bool TryReadHeader(ReadOnlySpan<byte> jpeg, out int width, out int height)
    {
        width = height = 0;
        if (!IsAvailable || !IsJpeg(jpeg) || Handle() is var tj && tj == 0)
        {
            return false;
        }

        int w, h, subsampling, colourspace;
        fixed (byte* source = jpeg)
        {
            if (DecompressHeader3(tj, source, (nuint)jpeg.Length, &w, &h, &subsampling, &colourspace) != 0)
            {
                return false;
            }
        }

        if (colourspace is ColourspaceCmyk or ColourspaceYcck || w <= 0 || h <= 0)
        {
            return false;
        }

        (width, height) = (w, h);
        return true;
    }

    /// <summary>
    /// Decodes to <paramref name="width"/>×<paramref name="height"/> BGRA (one of TurboJPEG's scaled sizes, ⌈side·M/8⌉)
    /// into this thread's buffer, which <paramref name="bgra"/> spans until the thread's next call. False on any
    /// error or warning, so that Skia decides what a damaged file gives, as it did before this path.
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<byte> jpeg, int width, int height, out Span<byte> bgra)
    {
        bgra = default;
        var bytes = (long)width * height * 4;
        if (!IsAvailable || bytes > Array.MaxLength || Handle() is var tj && tj == 0)
        {
            return false;
        }

        if (threadBuffer is null || threadBuffer.Length < bytes)
        {
            threadBuffer = new byte[bytes];
        }

        fixed (byte* source = jpeg)
        fixed (byte* target = threadBuffer)
        {
            if (Decompress2(tj, source, (nuint)jpeg.Length, target, width, width * 4, height, PixelFormatBgra, 0) != 0)
            {
                return false;
            }
        }

        bgra = threadBuffer.AsSpan(0, (int)bytes);
        return true;
    }

    private static nint Handle()
    {
        if (threadHandle == 0)
        {
            threadHandle = InitDecompress();
        }

        return threadHandle;
    }

    /// <summary>
    /// The EXIF orientation (1–8) of a JPEG, 1 when it has none. Read from the first APP1 "Exif" segment's IFD0,
    /// as Skia does, because making an SKCodec only to learn it would copy the file and parse the header again.
    /// </summary>
    public static int ExifOrientation(ReadOnlySpan<byte> jpeg)
    {
        var at = 2;
        while (at + 4 <= jpeg.Length && jpeg[at] == 0xFF)
        {
            var marker = jpeg[at + 1];
            if (marker == 0xFF)
            {
                at++; // fill byte
                continue;
            }

            if (marker is 0xDA or 0xD9)
            {
                break; // start of scan or end of image: no metadata after this
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(jpeg[(at + 2)..]);
            if (length < 2 || at + 2 + length > jpeg.Length)
            {
                break;
            }

            var segment = jpeg.Slice(at + 4, length - 2);
            if (marker == 0xE1 && segment.StartsWith("Exif\0\0"u8))
            {
                return Orientation(segment[6..]);
            }

            at += 2 + length;
        }

        return 1;
    }

    private static int Orientation(ReadOnlySpan<byte> tiff)
    {
        if (tiff.Length < 8)
        {
            return 1;
        }

        var little = tiff[0] == (byte)'I' && tiff[1] == (byte)'I';
        if (!little && !(tiff[0] == (byte)'M' && tiff[1] == (byte)'M'))
        {
            return 1;
        }

        var ifd = little ? BinaryPrimitives.ReadUInt32LittleEndian(tiff[4..]) : BinaryPrimitives.ReadUInt32BigEndian(tiff[4..]);
        if (ifd > (uint)tiff.Length - 2)
        {
            return 1;
        }

        var entries = U16(tiff, (int)ifd, little);
        for (var i = 0; i < entries; i++)
        {
            var entry = (int)ifd + 2 + (12 * i);
            if (entry + 12 > tiff.Length)
            {
                break;
            }

            // Tag 0x0112 Orientation, type 3 (SHORT), the value in the entry's first two value bytes.
            if (U16(tiff, entry, little) == 0x0112 && U16(tiff, entry + 2, little) == 3)
            {
                var value = U16(tiff, entry + 8, little);
                return value is >= 1 and <= 8 ? value : 1;
            }
        }

        return 1;
    }

    private static ushort U16(ReadOnlySpan<byte> tiff, int offset, bool little) =>
        little ? BinaryPrimitives.ReadUInt16LittleEndian(tiff[offset..]) : BinaryPrimitives.ReadUInt16BigEndian(tiff[offset..]);
}

using System.Buffers.Binary;
using System.Text.Json;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.Weights;

/// <summary>
/// Reads Hugging Face `.safetensors`: an 8-byte little-endian header length, a JSON header mapping each name to
/// dtype, shape and [begin, end) byte offsets after the header, then raw little-endian data. F32 loads as is;
/// F16 and BF16 are widened to float32 (the towers train in float32).
/// </summary>
public static class SafetensorsFile
{
    public static IReadOnlyDictionary<string, long[]> ReadShapes(string path) =>
        ReadHeader(path).Entries.ToDictionary(e => e.Key, e => e.Value.Shape, StringComparer.Ordinal);

    /// <summary>Every tensor in the file as a float32 CPU tensor; the caller owns (disposes) them.</summary>
    public static Dictionary<string, Tensor> ReadTensors(string path)
    {
        var header = ReadHeader(path);
        using var stream = File.OpenRead(path);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, entry) in header.Entries)
        {
            var bytes = new byte[entry.End - entry.Begin];
            stream.Position = header.DataStart + entry.Begin;
            stream.ReadExactly(bytes);
            tensors[name] = tensor(ToFloats(bytes, entry.DataType, path, name), entry.Shape);
        }

        return tensors;
    }

    private static float[] ToFloats(byte[] bytes, string dataType, string path, string name)
    {
        switch (dataType)
        {
            case "F32":
                var floats = new float[bytes.Length / 4];
                for (var i = 0; i < floats.Length; i++)
                {
                    floats[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * 4));
                }

                return floats;
            case "F16":
                return Widen(bytes, bits => (float)BitConverter.UInt16BitsToHalf(bits));
            case "BF16":
                // bfloat16 is the top half of a float32.
                return Widen(bytes, bits => BitConverter.Int32BitsToSingle(bits << 16));
            default:
                throw new InvalidDataException($"{path}: tensor '{name}' has dtype {dataType}; only F32, F16 and BF16 are supported");
        }
    }

    private static float[] Widen(byte[] bytes, Func<ushort, float> convert)
    {
        var floats = new float[bytes.Length / 2];
        for (var i = 0; i < floats.Length; i++)
        {
            floats[i] = convert(BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(i * 2)));
        }

        return floats;
    }

    private static Header ReadHeader(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"safetensors file not found: {path}", path);
        }

        using var stream = File.OpenRead(path);
        Span<byte> lengthBytes = stackalloc byte[8];
        stream.ReadExactly(lengthBytes);
        var length = BinaryPrimitives.ReadInt64LittleEndian(lengthBytes);
        if (length <= 0 || length > stream.Length - 8)
        {
            throw new InvalidDataException($"{path} is not a safetensors file (header length {length})");
        }

        var json = new byte[length];
        stream.ReadExactly(json);
        using var document = JsonDocument.Parse(json);
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        foreach (var property in document.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__")
            {
                continue;
            }

            var offsets = property.Value.GetProperty("data_offsets");
            entries[property.Name] = new Entry(
                property.Value.GetProperty("dtype").GetString() ?? "",
                property.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray(),
                offsets[0].GetInt64(),
                offsets[1].GetInt64());
        }

        return new Header(8 + length, entries);
    }

    private sealed record Entry(string DataType, long[] Shape, long Begin, long End);

    private sealed record Header(long DataStart, Dictionary<string, Entry> Entries);
}

using System.Runtime.InteropServices;
using Orchestrator.Worker.Engine.Onnx.Format;
using static TorchSharp.torch;
using DataType = Orchestrator.Worker.Engine.Onnx.Format.TensorProto.Types.DataType;

namespace Orchestrator.Worker.Engine.Onnx;

/// <summary>TensorProto → CPU tensor, from raw_data, the typed repeated fields or an external data file.
/// Half-precision values are widened to float32 so a model trains in one precision; unsigned 16/32/64-bit
/// integers become int64 (torch has no such types).</summary>
internal static class TensorProtoDecoder
{
    public static Tensor Decode(TensorProto proto, string? externalDataFolder)
    {
        var dims = proto.Dims.ToArray();
        var count = ShapeValues.Product(dims);
        var raw = RawBytes(proto, externalDataFolder);
        var type = (DataType)proto.DataType;
        Tensor result = type switch
        {
            DataType.Float => tensor(raw is null ? proto.FloatData.ToArray() : Cast<float>(raw), dims),
            DataType.Double => tensor(raw is null ? proto.DoubleData.ToArray() : Cast<double>(raw), dims),
            DataType.Int64 => tensor(raw is null ? proto.Int64Data.ToArray() : Cast<long>(raw), dims),
            DataType.Int32 => tensor(raw is null ? proto.Int32Data.ToArray() : Cast<int>(raw), dims),
            DataType.Int16 => tensor(raw is null ? proto.Int32Data.Select(v => (short)v).ToArray() : Cast<short>(raw), dims),
            DataType.Int8 => tensor(raw is null ? proto.Int32Data.Select(v => (sbyte)v).ToArray() : Cast<sbyte>(raw), dims),
            DataType.Uint8 => tensor(raw ?? proto.Int32Data.Select(v => (byte)v).ToArray(), dims),
            DataType.Bool => tensor(raw is null ? proto.Int32Data.Select(v => v != 0).ToArray() : raw.Select(v => v != 0).ToArray(), dims),
            DataType.Uint16 => tensor(raw is null ? proto.Int32Data.Select(v => (long)(ushort)v).ToArray() : Cast<ushort>(raw).Select(v => (long)v).ToArray(), dims),
            DataType.Uint32 => tensor(raw is null ? proto.Uint64Data.Select(v => (long)v).ToArray() : Cast<uint>(raw).Select(v => (long)v).ToArray(), dims),
            DataType.Uint64 => tensor(raw is null ? proto.Uint64Data.Select(v => (long)v).ToArray() : Cast<ulong>(raw).Select(v => (long)v).ToArray(), dims),
            DataType.Float16 => tensor(raw is null ? proto.Int32Data.Select(v => (float)BitConverter.UInt16BitsToHalf((ushort)v)).ToArray() : Cast<Half>(raw).Select(v => (float)v).ToArray(), dims),
            DataType.Bfloat16 => tensor(raw is null ? proto.Int32Data.Select(BFloat16).ToArray() : Cast<ushort>(raw).Select(v => BFloat16(v)).ToArray(), dims),
            _ => throw new OnnxImportException($"tensor '{proto.Name}': element type {type} is not supported (floating, integer and bool tensors are)"),
        };
        if (result.numel() != count)
        {
            result.Dispose();
            throw new OnnxImportException($"tensor '{proto.Name}': {count} elements declared by its dims [{string.Join(", ", dims)}] but its data holds a different number");
        }

        return result;
    }

    private static float BFloat16(int bits) => BitConverter.Int32BitsToSingle((bits & 0xFFFF) << 16);

    private static T[] Cast<T>(byte[] raw)
        where T : struct
    {
        if (!BitConverter.IsLittleEndian)
        {
            throw new OnnxImportException("ONNX raw_data is little-endian; this importer runs on little-endian machines only");
        }

        return MemoryMarshal.Cast<byte, T>(raw).ToArray();
    }

    private static byte[]? RawBytes(TensorProto proto, string? folder)
    {
        if (proto.DataLocation == TensorProto.Types.DataLocation.External)
        {
            return ExternalBytes(proto, folder);
        }

        return proto.RawData.IsEmpty ? null : proto.RawData.ToByteArray();
    }

    private static byte[] ExternalBytes(TensorProto proto, string? folder)
    {
        var entries = proto.ExternalData.ToDictionary(e => e.Key, e => e.Value, StringComparer.Ordinal);
        if (!entries.TryGetValue("location", out var location))
        {
            throw new OnnxImportException($"tensor '{proto.Name}': external data without a 'location'");
        }

        if (folder is null)
        {
            throw new OnnxImportException($"tensor '{proto.Name}': data is in the external file '{location}', but the model was parsed from bytes without a folder; load it from its file or pass externalDataFolder");
        }

        var root = Path.GetFullPath(folder);
        var path = Path.GetFullPath(Path.Combine(root, location));
        if (!path.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            throw new OnnxImportException($"tensor '{proto.Name}': external data location '{location}' leaves the model's folder {root}");
        }

        var offset = entries.TryGetValue("offset", out var o) ? long.Parse(o, System.Globalization.CultureInfo.InvariantCulture) : 0;
        try
        {
            using var stream = File.OpenRead(path);
            var length = entries.TryGetValue("length", out var l) ? long.Parse(l, System.Globalization.CultureInfo.InvariantCulture) : stream.Length - offset;
            var bytes = new byte[length];
            stream.Seek(offset, SeekOrigin.Begin);
            stream.ReadExactly(bytes);
            return bytes;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OnnxImportException($"tensor '{proto.Name}': cannot read its external data from {path}: {e.Message}", e);
        }
    }
}

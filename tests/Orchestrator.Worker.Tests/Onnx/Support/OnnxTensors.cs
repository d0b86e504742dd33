using Google.Protobuf;
using Orchestrator.Worker.Engine.Onnx.Format;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>TensorProto values for initializers and tensor attributes: floats as raw data (as exporters write
/// them), int64 as the typed field (as hand-written graphs often do), so both decodings are exercised.</summary>
internal static class OnnxTensors
{
    public static TensorProto Float(string name, long[] shape, float[] data)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(shape);
        var bytes = new byte[data.Length * sizeof(float)];
        Buffer.BlockCopy(data, 0, bytes, 0, bytes.Length);
        proto.RawData = ByteString.CopyFrom(bytes);
        return proto;
    }

    public static TensorProto Long(string name, long[] shape, long[] data)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Int64 };
        proto.Dims.AddRange(shape);
        proto.Int64Data.AddRange(data);
        return proto;
    }
}

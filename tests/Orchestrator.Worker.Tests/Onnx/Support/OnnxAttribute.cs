using Google.Protobuf;
using Orchestrator.Worker.Engine.Onnx.Format;

namespace Orchestrator.Worker.Tests.Onnx.Support;

/// <summary>Node attributes in one short call each.</summary>
internal static class OnnxAttribute
{
    public static AttributeProto Int(string name, long value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = value };

    public static AttributeProto Float(string name, float value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = value };

    public static AttributeProto String(string name, string value) =>
        new() { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(value) };

    public static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }

    /// <summary>A scalar float tensor (Constant's and ConstantOfShape's value).</summary>
    public static AttributeProto Scalar(float value) =>
        new() { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.Float("value", [], [value]) };

    /// <summary>A 1-D int64 tensor (Constant's value holding indices or a shape).</summary>
    public static AttributeProto LongTensor(params long[] values) =>
        new() { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.Long("value", [values.Length], values) };

    /// <summary>A one-element 1-D float tensor (ConstantOfShape's value).</summary>
    public static AttributeProto OneFloat(float value) =>
        new() { Name = "value", Type = AttributeProto.Types.AttributeType.Tensor, T = OnnxTensors.Float("value", [1], [value]) };
}

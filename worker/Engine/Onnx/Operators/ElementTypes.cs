using static TorchSharp.torch;
using DataType = Orchestrator.Worker.Engine.Onnx.Format.TensorProto.Types.DataType;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>ONNX element types as torch types. Floating types map to null: they follow the module's floating type
/// (<see cref="StepContext.FloatType"/>) so a cast inside the graph never splits it into two precisions.</summary>
internal static class ElementTypes
{
    public static bool TryMap(long onnxType, out ScalarType? torchType)
    {
        torchType = (DataType)onnxType switch
        {
            DataType.Float or DataType.Double or DataType.Float16 or DataType.Bfloat16 => null,
            DataType.Int64 or DataType.Uint32 or DataType.Uint64 => ScalarType.Int64,
            DataType.Int32 or DataType.Uint16 => ScalarType.Int32,
            DataType.Int16 => ScalarType.Int16,
            DataType.Int8 => ScalarType.Int8,
            DataType.Uint8 => ScalarType.Byte,
            DataType.Bool => ScalarType.Bool,
            _ => ScalarType.ComplexFloat32,
        };
        return torchType != ScalarType.ComplexFloat32;
    }
}

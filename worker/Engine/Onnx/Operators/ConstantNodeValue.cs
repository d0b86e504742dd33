using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Onnx.Operators;

/// <summary>A Constant node's value, computed once at construction (the module keeps it as a buffer).</summary>
internal static class ConstantNodeValue
{
    public static Tensor? Evaluate(OnnxNode node)
    {
        var tensorAttribute = node.TensorAttribute("value");
        if (tensorAttribute is not null)
        {
            try
            {
                return TensorProtoDecoder.Decode(tensorAttribute, null);
            }
            catch (OnnxImportException e)
            {
                node.Refuse(e.Message);
                return null;
            }
        }

        if (node.Has("value_float"))
        {
            return tensor(node.Float("value_float", 0f));
        }

        if (node.Has("value_floats"))
        {
            return tensor(node.Floats("value_floats")!);
        }

        if (node.Has("value_int"))
        {
            return tensor(node.Int("value_int", 0));
        }

        if (node.Has("value_ints"))
        {
            return tensor(node.Ints("value_ints")!);
        }

        node.Refuse($"only value, value_float(s) and value_int(s) are supported (it has: {string.Join(", ", node.AttributeNames)})");
        return null;
    }
}

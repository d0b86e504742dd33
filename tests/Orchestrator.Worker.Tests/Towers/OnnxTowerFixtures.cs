using Google.Protobuf;
using Orchestrator.Worker.Engine.Onnx.Format;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Towers;

/// <summary>
/// Small ONNX towers written with the Format classes into a folder: an image CNN (Conv → BatchNormalization →
/// Relu, a 4-D output the tower pools) and a BERT-like text encoder (token and segment embeddings → MatMul)
/// with a WordPiece vocab.txt covering the synthetic captions.
/// </summary>
internal static class OnnxTowerFixtures
{
    public const string ImageFile = "cnn.onnx";
    public const string TextFile = "bert.onnx";
    public const string VocabularyFile = "vocab.txt";
    public const int ImageWidth = 8;
    public const int TextWidth = 16;

    private static readonly string[] Words =
    [
        "a", "the", "in", "at", "on", "of", "is", "one", "there", "coloured", "picture", "shows", "placed", "dark", "background", ",", ":",
        "red", "green", "blue", "yellow", "purple", "orange", "white", "cyan", "circle", "square", "triangle", "cross",
        "top", "left", "right", "centre", "bottom", "small", "large",
    ];

    /// <summary>Writes both towers and the vocabulary into <paramref name="folder"/>.</summary>
    public static void Write(string folder, string imageOperator = "Relu")
    {
        Directory.CreateDirectory(folder);
        manual_seed(11);
        File.WriteAllBytes(Path.Combine(folder, ImageFile), ImageModel(imageOperator).ToByteArray());
        string[] vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Words];
        File.WriteAllLines(Path.Combine(folder, VocabularyFile), vocabulary);
        File.WriteAllBytes(Path.Combine(folder, TextFile), TextModel(vocabulary.Length).ToByteArray());
    }

    private static ModelProto ImageModel(string activation)
    {
        var graph = new GraphProto { Name = "cnn" };
        graph.Input.Add(Value("pixels", TensorProto.Types.DataType.Float, null, 3, null, null));
        graph.Output.Add(Value("features", TensorProto.Types.DataType.Float, null, ImageWidth, null, null));
        graph.Initializer.Add(Floats("conv.weight", randn(ImageWidth, 3, 3, 3) * 0.2));
        graph.Initializer.Add(Floats("bn.scale", ones(ImageWidth)));
        graph.Initializer.Add(Floats("bn.bias", zeros(ImageWidth)));
        graph.Initializer.Add(Floats("bn.mean", zeros(ImageWidth)));
        graph.Initializer.Add(Floats("bn.var", ones(ImageWidth)));
        graph.Node.Add(Node("Conv", ["pixels", "conv.weight"], ["c"], Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2)));
        graph.Node.Add(Node("BatchNormalization", ["c", "bn.scale", "bn.bias", "bn.mean", "bn.var"], ["n"]));
        graph.Node.Add(Node(activation, ["n"], ["features"]));
        return Model(graph, 13);
    }

    private static ModelProto TextModel(int vocabularySize)
    {
        var graph = new GraphProto { Name = "bert" };
        graph.Input.Add(Value("input_ids", TensorProto.Types.DataType.Int64, null, null));
        graph.Input.Add(Value("attention_mask", TensorProto.Types.DataType.Int64, null, null));
        graph.Input.Add(Value("token_type_ids", TensorProto.Types.DataType.Int64, null, null));
        graph.Output.Add(Value("last_hidden_state", TensorProto.Types.DataType.Float, null, null, TextWidth));
        graph.Initializer.Add(Floats("embeddings.word", randn(vocabularySize, TextWidth) * 0.5));
        graph.Initializer.Add(Floats("embeddings.segment", randn(2, TextWidth) * 0.1));
        graph.Initializer.Add(Floats("dense.weight", randn(TextWidth, TextWidth) * 0.3));
        graph.Node.Add(Node("Gather", ["embeddings.word", "input_ids"], ["words"]));
        graph.Node.Add(Node("Gather", ["embeddings.segment", "token_type_ids"], ["segments"]));
        graph.Node.Add(Node("Add", ["words", "segments"], ["embedded"]));
        graph.Node.Add(Node("MatMul", ["embedded", "dense.weight"], ["projected"]));
        graph.Node.Add(Node("Tanh", ["projected"], ["last_hidden_state"]));
        return Model(graph, 13);
    }

    private static ModelProto Model(GraphProto graph, long opset)
    {
        var model = new ModelProto { IrVersion = 8, Graph = graph };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = opset });
        return model;
    }

    private static ValueInfoProto Value(string name, TensorProto.Types.DataType type, params long?[] dims)
    {
        var shape = new TensorShapeProto();
        shape.Dim.AddRange(dims.Select(d => d is { } size ? new TensorShapeProto.Types.Dimension { DimValue = size } : new TensorShapeProto.Types.Dimension { DimParam = "n" }));
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)type, Shape = shape } } };
    }

    private static TensorProto Floats(string name, Tensor value)
    {
        var proto = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float };
        proto.Dims.AddRange(value.shape);
        proto.FloatData.AddRange(value.contiguous().data<float>().ToArray());
        return proto;
    }

    private static NodeProto Node(string op, string[] inputs, string[] outputs, params AttributeProto[] attributes)
    {
        var node = new NodeProto { OpType = op, Name = $"{op}_{outputs[0]}" };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        node.Attribute.AddRange(attributes);
        return node;
    }

    private static AttributeProto Ints(string name, params long[] values)
    {
        var attribute = new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints };
        attribute.Ints.AddRange(values);
        return attribute;
    }
}

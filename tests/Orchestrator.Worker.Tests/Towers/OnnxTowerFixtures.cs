using Orchestrator.Worker.Tests.Onnx.Support;
using static Orchestrator.Worker.Tests.Onnx.Support.OnnxAttribute;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Towers;

/// <summary>
/// Small ONNX towers written with the importer tests' <see cref="TestGraph"/> into a folder: an image CNN (Conv → BatchNormalization →
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
        File.WriteAllBytes(Path.Combine(folder, ImageFile), ImageModel(imageOperator).Bytes());
        string[] vocabulary = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", .. Words];
        File.WriteAllLines(Path.Combine(folder, VocabularyFile), vocabulary);
        File.WriteAllBytes(Path.Combine(folder, TextFile), TextModel(vocabulary.Length).Bytes());
    }

    // Weights from torch's generator (seeded in Write), as before the towers were written with TestGraph.
    private static TestGraph ImageModel(string activation) => new TestGraph("cnn", 13)
        .Input("pixels", null, 3, null, null)
        .FloatOutput("features", null, ImageWidth, null, null)
        .Floats("conv.weight", randn(ImageWidth, 3, 3, 3) * 0.2)
        .Floats("bn.scale", ones(ImageWidth))
        .Floats("bn.bias", zeros(ImageWidth))
        .Floats("bn.mean", zeros(ImageWidth))
        .Floats("bn.var", ones(ImageWidth))
        .Node("Conv", "pixels, conv.weight", "c", Ints("pads", 1, 1, 1, 1), Ints("strides", 2, 2))
        .Node("BatchNormalization", "c, bn.scale, bn.bias, bn.mean, bn.var", "n")
        .Node(activation, "n", "features");

    private static TestGraph TextModel(int vocabularySize) => new TestGraph("bert", 13)
        .LongInput("input_ids", null, null)
        .LongInput("attention_mask", null, null)
        .LongInput("token_type_ids", null, null)
        .FloatOutput("last_hidden_state", null, null, TextWidth)
        .Floats("embeddings.word", randn(vocabularySize, TextWidth) * 0.5)
        .Floats("embeddings.segment", randn(2, TextWidth) * 0.1)
        .Floats("dense.weight", randn(TextWidth, TextWidth) * 0.3)
        .Node("Gather", "embeddings.word, input_ids", "words")
        .Node("Gather", "embeddings.segment, token_type_ids", "segments")
        .Node("Add", "words, segments", "embedded")
        .Node("MatMul", "embedded, dense.weight", "projected")
        .Node("Tanh", "projected", "last_hidden_state");
}

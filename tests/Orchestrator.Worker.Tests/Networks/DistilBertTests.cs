using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Networks.DistilBert;
using Orchestrator.Worker.Engine.Networks.Weights;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Networks;

public sealed class DistilBertTests
{
    private static string TinyFolder => Path.Combine(ReferenceData.FixturesDirectory, "distilbert-tiny");

    private static string VocabularyPath => Path.Combine(ReferenceData.DataDirectory, "bert-base-uncased-vocab.txt");

    [Fact]
    public void Full_size_config_has_66_362_880_parameters_with_hf_names()
    {
        using var model = new DistilBertModel(new DistilBertConfig());
        Assert.Equal(66_362_880, model.parameters().Sum(p => p.numel()));
        var keys = model.state_dict().Keys.ToHashSet();
        foreach (var key in new[]
        {
            "embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.LayerNorm.weight",
            "transformer.layer.5.attention.q_lin.weight", "transformer.layer.0.attention.out_lin.bias",
            "transformer.layer.3.sa_layer_norm.bias", "transformer.layer.2.ffn.lin1.weight", "transformer.layer.4.ffn.lin2.bias",
            "transformer.layer.1.output_layer_norm.weight",
        })
        {
            Assert.Contains(key, keys);
        }
    }

    [SkippableFact]
    public void Tiny_model_reproduces_hf_cls_output()
    {
        SkipWithout(TinyFolder);
        using var scope = NewDisposeScope();
        using var model = DistilBertFolder.LoadModel(TinyFolder);
        Assert.Equal(2_086_272, model.parameters().Sum(p => p.numel()));
        model.eval();
        var (ids, mask, expected) = ReadExpected(TinyFolder);
        using (no_grad())
        {
            var difference = (model.ClsEmbedding(ids, mask) - expected).abs().max().item<float>();
            Assert.True(difference <= 1e-4f, $"max |Δ| = {difference:E3}");
        }
    }

    [SkippableFact]
    public void Keys_with_distilbert_prefix_load_the_same_weights()
    {
        SkipWithout(TinyFolder);
        var folder = Directory.CreateTempSubdirectory("orch-distilbert-").FullName;
        try
        {
            File.Copy(Path.Combine(TinyFolder, "config.json"), Path.Combine(folder, "config.json"));
            WritePrefixed(Path.Combine(TinyFolder, "model.safetensors"), Path.Combine(folder, "model.safetensors"), "distilbert.");
            using var scope = NewDisposeScope();
            using var plain = DistilBertFolder.LoadModel(TinyFolder);
            using var prefixed = DistilBertFolder.LoadModel(folder);
            var a = plain.state_dict()["transformer.layer.1.ffn.lin2.weight"];
            var b = prefixed.state_dict()["transformer.layer.1.ffn.lin2.weight"];
            Assert.True(a.equal(b).all().item<bool>());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [SkippableFact]
    public void Weights_of_another_size_fail_with_the_offending_keys()
    {
        SkipWithout(TinyFolder);
        using var model = new DistilBertModel(new DistilBertConfig { Dim = 32, Heads = 4, HiddenDim = 64, Layers = 3 });
        var error = Assert.Throws<WeightLoadException>(() => DistilBertFolder.LoadWeights(model, Path.Combine(TinyFolder, "model.safetensors")));
        Assert.NotNull(error.Comparison);
        Assert.Equal(16, error.Comparison.Missing.Count); // layer 2 of 3 is absent from a 2-layer file
        Assert.Equal(36, error.Comparison.ShapeMismatches.Count); // every tensor of the 2 present layers and the embeddings
        Assert.Contains("transformer.layer.2.attention.q_lin.weight", error.Message, StringComparison.Ordinal);
        Assert.Contains("embeddings.word_embeddings.weight: model [30522, 32], file [30522, 64]", error.Message, StringComparison.Ordinal);
        Assert.Contains("(first 20)", error.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Tokenizer_gives_known_ids_with_accents_stripped()
    {
        SkipWithout(VocabularyPath);
        var tokenizer = new BertTextTokenizer(VocabularyPath);
        Assert.Equal([101, 1037, 2775, 1999, 1037, 5061, 4377, 1012, 102], tokenizer.Encode("A child in a pink dress."));
        Assert.Equal([101, 7668, 102], tokenizer.Encode("café"));
    }

    [SkippableFact]
    public void Tokenizer_truncates_and_pads_to_the_longest_in_the_batch()
    {
        SkipWithout(VocabularyPath);
        var tokenizer = new BertTextTokenizer(VocabularyPath, maxLength: 5);
        var batch = tokenizer.EncodeBatch(["A child in a pink dress.", "café"]);
        Assert.Equal(new long[] { 101, 1037, 2775, 1999, 102 }, Row(batch.InputIds, 0));
        Assert.Equal(new long[] { 101, 7668, 102, 0, 0 }, Row(batch.InputIds, 1));
        Assert.Equal(new long[] { 1, 1, 1, 0, 0 }, Row(batch.AttentionMask, 1));
        var wide = new BertTextTokenizer(VocabularyPath).EncodeBatch(["café", "a dog"]);
        Assert.Equal(4, wide.InputIds.GetLength(1));
    }

    private static long[] Row(long[,] values, int row) => Enumerable.Range(0, values.GetLength(1)).Select(c => values[row, c]).ToArray();

    private static void SkipWithout(string path)
    {
        var missing = File.Exists(path) ? null : ReferenceData.MissingReason(path);
        Skip.If(missing is not null, missing);
    }

    internal static (Tensor Ids, Tensor Mask, Tensor Expected) ReadExpected(string folder)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "expected.json")));
        Tensor Read(string name, ScalarType type)
        {
            var rows = document.RootElement.GetProperty(name).EnumerateArray().Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
            return tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, rows[0].Length]).to_type(type);
        }

        return (Read("input_ids", ScalarType.Int64), Read("attention_mask", ScalarType.Int64), Read("expected_cls", ScalarType.Float32));
    }

    // Re-keys a safetensors file: the data section is kept byte for byte, only the header's names change.
    private static void WritePrefixed(string source, string destination, string prefix)
    {
        var bytes = File.ReadAllBytes(source);
        var length = (int)BinaryPrimitives.ReadInt64LittleEndian(bytes);
        var header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, length))!.AsObject();
        var renamed = new JsonObject();
        foreach (var (key, value) in header.ToList())
        {
            renamed[key == "__metadata__" ? key : prefix + key] = value?.DeepClone();
        }

        var json = Encoding.UTF8.GetBytes(renamed.ToJsonString());
        using var output = File.Create(destination);
        Span<byte> lengthBytes = stackalloc byte[8];
        BinaryPrimitives.WriteInt64LittleEndian(lengthBytes, json.Length);
        output.Write(lengthBytes);
        output.Write(json);
        output.Write(bytes, 8 + length, bytes.Length - 8 - length);
    }
}

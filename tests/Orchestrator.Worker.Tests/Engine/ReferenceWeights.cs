using Orchestrator.Testing;
using Orchestrator.Worker.Engine.Networks.DistilBert;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>
/// The reference weights laid out as a worker's weights directory holds them. The tiny DistilBERT fixture has
/// no vocab.txt, so its folder is assembled in a temporary directory with BERT's vocabulary from the data folder.
/// </summary>
internal static class ReferenceWeights
{
    public static string TinyDistilBert => Path.Combine(ReferenceData.FixturesDirectory, "distilbert-tiny");

    public static string Vocabulary => Path.Combine(ReferenceData.DataDirectory, "bert-base-uncased-vocab.txt");

    public static string ImageFile(string encoder) => Path.Combine(ReferenceData.FixturesDirectory, encoder + ".pth");

    /// <summary>Skips the calling test when a reference file it needs is absent.</summary>
    public static void SkipUnlessPresent(params string[] paths)
    {
        var missing = paths.FirstOrDefault(p => !File.Exists(p) && !Directory.Exists(p));
        Skip.If(missing is not null, $"reference file {missing} is absent (set ORCH_DATA_DIR / ORCH_FIXTURES_DIR to run this test)");
    }

    /// <summary>A Hugging Face folder (config.json, model.safetensors unless <paramref name="withWeights"/> is false, vocab.txt) at <paramref name="folder"/>.</summary>
    public static string WriteDistilBertFolder(string folder, bool withWeights = true)
    {
        SkipUnlessPresent(TinyDistilBert, Vocabulary);
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(TinyDistilBert, DistilBertFolder.ConfigFile), Path.Combine(folder, DistilBertFolder.ConfigFile));
        File.Copy(Vocabulary, Path.Combine(folder, DistilBertFolder.VocabularyFile));
        if (withWeights)
        {
            File.Copy(Path.Combine(TinyDistilBert, DistilBertFolder.WeightsFile), Path.Combine(folder, DistilBertFolder.WeightsFile));
        }

        return folder;
    }
}

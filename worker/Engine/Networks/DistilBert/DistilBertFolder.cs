using Orchestrator.Worker.Engine.Networks.Weights;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>
/// A Hugging Face DistilBERT folder (config.json, model.safetensors, vocab.txt). Checkpoints saved from a
/// task model (DistilBertForMaskedLM …) prefix the encoder's keys with `distilbert.` and add head keys; the
/// prefix is stripped and the head ignored, anything else that differs fails the load with the keys listed.
/// </summary>
public static class DistilBertFolder
{
    public const string ConfigFile = "config.json";
    public const string WeightsFile = "model.safetensors";
    public const string VocabularyFile = "vocab.txt";

    /// <summary>The published model `pretrained: true` means, and the folder name it is looked for under in the weights directory.</summary>
    public const string PublishedName = "distilbert-base-uncased";

    /// <summary>Where its files are published, for messages (downloads go through Weights/WeightsCatalog).</summary>
    public const string PublishedSource = "https://huggingface.co/distilbert/distilbert-base-uncased";
    private const string Prefix = "distilbert.";

    /// <summary>Builds the model from config.json and loads model.safetensors into it.</summary>
    public static DistilBertModel LoadModel(string folder)
    {
        var model = new DistilBertModel(DistilBertConfig.Load(Path.Combine(folder, ConfigFile)));
        try
        {
            LoadWeights(model, Path.Combine(folder, WeightsFile));
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    public static StateDictComparison Inspect(DistilBertModel model, string weightsPath) =>
        StateDictComparison.Compare(ModuleShapes.Of(model), EncoderKeys(SafetensorsFile.ReadShapes(weightsPath)));

    public static void LoadWeights(DistilBertModel model, string weightsPath)
    {
        var comparison = Inspect(model, weightsPath);
        if (!comparison.IsMatch)
        {
            throw new WeightLoadException($"{weightsPath} does not fit DistilBERT ({model.Config.Dim} wide, {model.Config.Layers} layers):{Environment.NewLine}{comparison.Describe()}")
            {
                Comparison = comparison,
            };
        }

        var tensors = SafetensorsFile.ReadTensors(weightsPath);
        try
        {
            var encoder = EncoderKeys(tensors);
            var state = model.state_dict();
            using var noGrad = no_grad();
            foreach (var (key, target) in state)
            {
                target.copy_(encoder[key]);
            }
        }
        finally
        {
            foreach (var t in tensors.Values)
            {
                t.Dispose();
            }
        }
    }

    private static Dictionary<string, T> EncoderKeys<T>(IReadOnlyDictionary<string, T> file)
    {
        if (!file.Keys.Any(k => k.StartsWith(Prefix, StringComparison.Ordinal)))
        {
            return file.ToDictionary(StringComparer.Ordinal);
        }

        return file.Where(p => p.Key.StartsWith(Prefix, StringComparison.Ordinal))
            .ToDictionary(p => p.Key[Prefix.Length..], p => p.Value, StringComparer.Ordinal);
    }
}

using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Worker.Engine.Networks.DistilBert;

/// <summary>The fields of a Hugging Face DistilBERT `config.json` that size the model; defaults are distilbert-base.</summary>
public sealed record DistilBertConfig
{
    [JsonPropertyName("vocab_size")]
    public int VocabSize { get; init; } = 30522;

    [JsonPropertyName("dim")]
    public int Dim { get; init; } = 768;

    [JsonPropertyName("n_layers")]
    public int Layers { get; init; } = 6;

    [JsonPropertyName("n_heads")]
    public int Heads { get; init; } = 12;

    [JsonPropertyName("hidden_dim")]
    public int HiddenDim { get; init; } = 3072;

    [JsonPropertyName("max_position_embeddings")]
    public int MaxPositions { get; init; } = 512;

    [JsonPropertyName("dropout")]
    public double Dropout { get; init; } = 0.1;

    [JsonPropertyName("attention_dropout")]
    public double AttentionDropout { get; init; } = 0.1;

    [JsonPropertyName("pad_token_id")]
    public int PadTokenId { get; init; }

    public static DistilBertConfig Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"DistilBERT config.json not found at {path}", path);
        }

        var config = JsonSerializer.Deserialize<DistilBertConfig>(File.ReadAllText(path))
            ?? throw new InvalidDataException($"{path} is not a JSON object");
        if (config.Dim % config.Heads != 0)
        {
            throw new InvalidDataException($"{path}: dim {config.Dim} is not a multiple of n_heads {config.Heads}");
        }

        return config;
    }
}

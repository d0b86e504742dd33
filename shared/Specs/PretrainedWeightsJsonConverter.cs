using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>Reads `true`, `false` or `{"image": …, "text": …}`; writes the shortest of those that says the same.</summary>
public sealed class PretrainedWeightsJsonConverter : JsonConverter<PretrainedWeights>
{
    public override PretrainedWeights Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.True or JsonTokenType.False:
                return PretrainedWeights.FromBoolean(reader.GetBoolean());
            case JsonTokenType.StartObject:
                var (image, text) = (TowerWeights.PublishedIfAny, TowerWeights.PublishedIfAny);
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var tower = reader.GetString();
                    reader.Read();
                    var side = ReadSide(ref reader, tower);
                    (image, text) = tower switch
                    {
                        PretrainedWeights.ImageTower => (side, text),
                        PretrainedWeights.TextTower => (image, side),
                        _ => throw new JsonException($"pretrained: unknown tower '{tower}'; use {string.Join(" or ", PretrainedWeights.Towers)}"),
                    };
                }

                return new PretrainedWeights(image, text);
            default:
                throw new JsonException($"pretrained must be true, false or an object with image and/or text, not {reader.TokenType}");
        }
    }

    public override void Write(Utf8JsonWriter writer, PretrainedWeights value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value == PretrainedWeights.WherePublished || value == PretrainedWeights.None)
        {
            writer.WriteBooleanValue(value == PretrainedWeights.WherePublished);
            return;
        }

        writer.WriteStartObject();
        WriteSide(writer, PretrainedWeights.ImageTower, value.Image);
        WriteSide(writer, PretrainedWeights.TextTower, value.Text);
        writer.WriteEndObject();
    }

    private static TowerWeights ReadSide(ref Utf8JsonReader reader, string? tower) => reader.TokenType switch
    {
        JsonTokenType.True => TowerWeights.Published,
        JsonTokenType.False => TowerWeights.Scratch,
        JsonTokenType.String when !string.IsNullOrWhiteSpace(reader.GetString()) => TowerWeights.FromFile(reader.GetString()!),
        _ => throw new JsonException($"pretrained.{tower} must be true, false or a path"),
    };

    private static void WriteSide(Utf8JsonWriter writer, string tower, TowerWeights side)
    {
        switch (side.Kind)
        {
            case TowerWeightsKind.Published or TowerWeightsKind.Scratch:
                writer.WriteBoolean(tower, side.Kind == TowerWeightsKind.Published);
                break;
            case TowerWeightsKind.File:
                writer.WriteString(tower, side.Path);
                break;
            default:
                // Left out: the default, as in the spec.
                break;
        }
    }
}

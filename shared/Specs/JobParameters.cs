using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Every hyperparameter of one training job, each with the study's default (its Table I; DESIGN.md §5).
/// A sweep spec names a subset of these in its parameter space; the rest keep these values. Names on the
/// wire (YAML, JSON, database) are the snake_case forms given by <see cref="JsonPropertyNameAttribute"/>.
/// </summary>
public sealed record JobParameters
{
    /// <summary>Image tower under study (a name from the encoder registry).</summary>
    [JsonPropertyName("encoder")]
    public string Encoder { get; init; } = "resnet50";

    /// <summary>Seed of everything random in the job (initialisation, shuffling, dropout).</summary>
    [JsonPropertyName("seed")]
    public int Seed { get; init; }

    [JsonPropertyName("batch_size")]
    public int BatchSize { get; init; } = 16;

    /// <summary>Data-loading threads of the job.</summary>
    [JsonPropertyName("num_workers")]
    public int NumWorkers { get; init; } = 4;

    /// <summary>Learning rate of both projection heads (and the logit scale).</summary>
    [JsonPropertyName("head_lr")]
    public double HeadLr { get; init; } = 1e-3;

    [JsonPropertyName("image_encoder_lr")]
    public double ImageEncoderLr { get; init; } = 1e-4;

    [JsonPropertyName("text_encoder_lr")]
    public double TextEncoderLr { get; init; } = 1e-5;

    /// <summary>AdamW weight decay of the heads; the towers train without decay, as in the study.</summary>
    [JsonPropertyName("weight_decay")]
    public double WeightDecay { get; init; } = 1e-3;

    /// <summary>ReduceLROnPlateau patience, in epochs without a better validation loss.</summary>
    [JsonPropertyName("patience")]
    public int Patience { get; init; } = 1;

    /// <summary>ReduceLROnPlateau factor applied to every learning rate.</summary>
    [JsonPropertyName("factor")]
    public double Factor { get; init; } = 0.8;

    [JsonPropertyName("epochs")]
    public int Epochs { get; init; } = 2;

    /// <summary>Text tower: `distilbert-base-uncased` or `small-transformer` (CPU runs and tests).</summary>
    [JsonPropertyName("text_encoder")]
    public string TextEncoder { get; init; } = "distilbert-base-uncased";

    /// <summary>Longest caption in tokens; longer ones are cut.</summary>
    [JsonPropertyName("max_length")]
    public int MaxLength { get; init; } = 200;

    /// <summary>Where the towers start from: `true` (published weights where a tower has them), `false`, or per tower.</summary>
    [JsonPropertyName("pretrained")]
    public PretrainedWeights Pretrained { get; init; } = PretrainedWeights.WherePublished;

    /// <summary>Train the towers; false freezes them and trains the heads only.</summary>
    [JsonPropertyName("trainable")]
    public bool Trainable { get; init; } = true;

    [JsonPropertyName("temperature")]
    public double Temperature { get; init; } = 1.0;

    /// <summary>Side of the square image fed to the image tower, in pixels.</summary>
    [JsonPropertyName("image_size")]
    public int ImageSize { get; init; } = 224;

    [JsonPropertyName("projection_layers")]
    public int ProjectionLayers { get; init; } = 1;

    [JsonPropertyName("projection_dim")]
    public int ProjectionDim { get; init; } = 256;

    [JsonPropertyName("dropout")]
    public double Dropout { get; init; } = 0.1;

    /// <summary>`study` (the study's soft-target loss) or `infonce` (symmetric InfoNCE with a learnable scale).</summary>
    [JsonPropertyName("loss")]
    public string Loss { get; init; } = "study";

    /// <summary>Layers of the small transformer text tower (ignored by DistilBERT).</summary>
    [JsonPropertyName("text_layers")]
    public int TextLayers { get; init; } = 2;

    /// <summary>Width of the small transformer text tower (ignored by DistilBERT).</summary>
    [JsonPropertyName("text_width")]
    public int TextWidth { get; init; } = 128;

    /// <summary>Attention heads of the small transformer text tower (ignored by DistilBERT).</summary>
    [JsonPropertyName("text_heads")]
    public int TextHeads { get; init; } = 4;

    /// <summary>
    /// The ONNX definition of <see cref="Encoder"/> when it names an ONNX tower; null (and absent from the
    /// canonical JSON, so job keys of other jobs are unchanged) otherwise.
    /// </summary>
    [JsonPropertyName("onnx_image_tower")]
    public OnnxTowerDefinition? OnnxImageTower { get; init; }

    /// <summary>The ONNX definition of <see cref="TextEncoder"/> when it names an ONNX tower; null otherwise.</summary>
    [JsonPropertyName("onnx_text_tower")]
    public OnnxTowerDefinition? OnnxTextTower { get; init; }
}

using Orchestrator.Shared.Specs;
using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Towers;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// Checks that the engine can run a job before anything is built or trained, naming each bad field by its
/// spec path and reporting all of them at once.
/// </summary>
public static class JobValidator
{
    public static IReadOnlyList<JobProblem> Validate(JobDefinition job)
    {
        ArgumentNullException.ThrowIfNull(job);
        var p = job.Parameters;
        var d = job.Dataset;
        var problems = new List<JobProblem>();
        void Require(bool ok, string field, string message)
        {
            if (!ok)
            {
                problems.Add(new JobProblem(field, message));
            }
        }

        if (p.OnnxImageTower is { } onnxImage)
        {
            Require(onnxImage.IsImage, "encoder", $"{p.Encoder} is an ONNX {onnxImage.Kind} tower, not an image tower");
            var minimum = OnnxTowerCatalog.MinimumImageSize(p.Encoder) ?? 1;
            Require(p.ImageSize >= minimum, "image_size", $"{p.ImageSize} is below {p.Encoder}'s minimum of {minimum} px");
        }
        else if (ImageTowerRegistry.TryGet(p.Encoder, out var encoder))
        {
            Require(p.ImageSize >= encoder.MinImageSize, "image_size", $"{p.ImageSize} is below {p.Encoder}'s minimum of {encoder.MinImageSize} px");
        }
        else
        {
            problems.Add(new JobProblem("encoder", $"unknown encoder '{p.Encoder}'; known: {string.Join(", ", ImageTowerRegistry.Names)}"));
        }

        Require(p.OnnxTextTower is null || p.OnnxTextTower.IsText, "text_encoder", $"{p.TextEncoder} is an ONNX {p.OnnxTextTower?.Kind} tower, not a text tower");
        Require(p.OnnxTextTower is not null || TextTowerRegistry.Names.Contains(p.TextEncoder), "text_encoder", $"unknown text_encoder '{p.TextEncoder}'; known: {string.Join(", ", TextTowerRegistry.Names)}");
        Require(p.Loss is "study" or "infonce", "loss", $"unknown loss '{p.Loss}'; known: study, infonce");
        Require(p.BatchSize >= 2, "batch_size", $"{p.BatchSize} is too small: a contrastive batch needs at least 2 pairs");
        Require(p.NumWorkers >= 0, "num_workers", "must be 0 or more");
        Require(p.Epochs >= 1, "epochs", "must be at least 1");
        Require(p.HeadLr > 0 && double.IsFinite(p.HeadLr), "head_lr", "must be a positive number");
        Require(p.ImageEncoderLr >= 0 && double.IsFinite(p.ImageEncoderLr), "image_encoder_lr", "must be 0 or more");
        Require(p.TextEncoderLr >= 0 && double.IsFinite(p.TextEncoderLr), "text_encoder_lr", "must be 0 or more");
        Require(p.WeightDecay >= 0 && double.IsFinite(p.WeightDecay), "weight_decay", "must be 0 or more");
        Require(p.Patience >= 0, "patience", "must be 0 or more");
        Require(p.Factor is > 0 and < 1, "factor", "must lie strictly between 0 and 1");
        Require(p.MaxLength >= 2, "max_length", "must be at least 2 (the [CLS] and [SEP] tokens)");
        Require(p.Temperature > 0 && double.IsFinite(p.Temperature), "temperature", "must be a positive number");
        Require(p.ImageSize >= 1, "image_size", "must be positive");
        Require(p.ProjectionLayers >= 1, "projection_layers", "must be at least 1");
        Require(p.ProjectionDim >= 1, "projection_dim", "must be at least 1");
        Require(p.Dropout is >= 0 and < 1, "dropout", "must lie in [0, 1)");
        Require(p.TextLayers >= 1, "text_layers", "must be at least 1");
        Require(p.TextHeads >= 1, "text_heads", "must be at least 1");
        Require(p.TextWidth >= 1 && p.TextHeads >= 1 && p.TextWidth % p.TextHeads == 0, "text_width", $"{p.TextWidth} must be a positive multiple of text_heads ({p.TextHeads})");
        // The spec parser refuses these already; jobs built in code (tests, tools) are held to the same rule here.
        problems.AddRange(p.Pretrained.ProblemsFor(p).Select(x => new JobProblem(x.Field, x.Message)));

        Require(DatasetSpec.KnownFormats.Contains(d.Format), "dataset.format", $"unknown format '{d.Format}'; supported: {string.Join(", ", DatasetSpec.KnownFormats)}");
        Require(d.ValFraction is > 0 and < 1, "dataset.val_fraction", "must lie strictly between 0 and 1");
        if (d.Format == "synthetic")
        {
            Require(d.SyntheticImages >= 4, "dataset.synthetic_images", "must be at least 4");
            Require(d.CaptionsPerImage >= 1 && d.CaptionsPerImage <= SyntheticShapes.MaxCaptionsPerImage, "dataset.captions_per_image", $"must lie in 1..{SyntheticShapes.MaxCaptionsPerImage}");
        }
        return problems;
    }

    public static void ThrowIfInvalid(JobDefinition job)
    {
        var problems = Validate(job);
        if (problems.Count > 0)
        {
            throw new InvalidJobException(problems);
        }
    }
}

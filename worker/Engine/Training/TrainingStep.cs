using Orchestrator.Worker.Engine.Data;
using Orchestrator.Worker.Engine.Clip;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>One optimisation step on one batch; shared by the trainer and the pipeline benchmark so both time the same work.</summary>
public static class TrainingStep
{
    /// <summary>
    /// Runs the step unless the loss is not finite; returns the loss either way (the caller decides). With
    /// <paramref name="threads"/>, forward and backward run on its count and the optimizer on its own; LibTorch is left
    /// at the optimizer's count, which is the process's.
    /// </summary>
    public static float Run(ClipModel model, FlatAdamW optimizer, ClipBatch batch, Device device, StepThreads? threads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(batch);
        using var scope = NewDisposeScope();
        if (threads is { Split: true })
        {
            StepThreads.Use(threads.ForwardBackward);
        }

        try
        {
            var (image, text) = model.call(batch.Images.to(device), batch.Ids.to(device), batch.Mask.to(device));
            return Optimise(optimizer, model.Loss.call(image, text), threads);
        }
        finally
        {
            if (threads is { Split: true })
            {
                StepThreads.Use(threads.Optimizer);
            }
        }
    }

    /// <summary>The step of a model with frozen towers: only the heads (and the loss's scale) see the captions <paramref name="samples"/>.</summary>
    public static float RunOnFeatures(ClipModel model, FlatAdamW optimizer, FrozenTowerFeatures features, IReadOnlyList<int> samples)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(features);
        using var scope = NewDisposeScope();
        var (image, text) = features.EmbedPairs(model, samples);
        return Optimise(optimizer, model.Loss.call(image, text));
    }

    private static float Optimise(FlatAdamW optimizer, Tensor loss, StepThreads? threads = null)
    {
        var value = loss.item<float>();
        if (float.IsFinite(value))
        {
            optimizer.ZeroGrad();
            loss.backward();
            if (threads is { Split: true })
            {
                StepThreads.Use(threads.Optimizer);
            }

            optimizer.Step();
        }

        return value;
    }
}

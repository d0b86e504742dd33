namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// PyTorch's ReduceLROnPlateau (mode min, relative threshold 1e-4, no cooldown, eps 1e-8) over every
/// parameter group at once. Written here because its state must go into our checkpoints and TorchSharp's
/// scheduler does not expose it.
/// </summary>
public sealed class ReduceLrOnPlateau(int patience, double factor)
{
    private const double Threshold = 1e-4;
    private const double Eps = 1e-8;

    public double Best { get; private set; } = double.PositiveInfinity;

    public int BadEpochs { get; private set; }

    public void Restore(double best, int badEpochs)
    {
        Best = best;
        BadEpochs = badEpochs;
    }

    /// <summary>Records one epoch's validation loss; returns true when the learning rates were reduced.</summary>
    public bool Step(double validationLoss, FlatAdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (validationLoss < Best * (1 - Threshold))
        {
            Best = validationLoss;
            BadEpochs = 0;
            return false;
        }

        BadEpochs++;
        if (BadEpochs <= patience)
        {
            return false;
        }

        BadEpochs = 0;
        var reduced = false;
        foreach (var group in optimizer.ParamGroups)
        {
            var lr = group.LearningRate * factor;
            if (group.LearningRate - lr > Eps)
            {
                group.LearningRate = lr;
                reduced = true;
            }
        }

        return reduced;
    }
}

namespace Orchestrator.Worker.Engine.Training;

/// <summary>The loss became NaN or infinite; the job stops with a `diverged` error rather than training on.</summary>
public sealed class TrainingDivergedException : Exception
{
    public const string ErrorCode = "diverged";

    public TrainingDivergedException()
        : base(ErrorCode)
    {
    }

    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public TrainingDivergedException(int epoch, long step, double loss)
        : base($"{ErrorCode}: loss {loss} at epoch {epoch} step {step}")
    {
        Epoch = epoch;
        Step = step;
    }

    public int Epoch { get; }

    public long Step { get; }
}

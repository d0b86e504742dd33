namespace Orchestrator.Worker.Engine.Training;

/// <summary>A problem with one field of a job description, named by its snake_case spec path.</summary>
public sealed record JobProblem(string Field, string Message)
{
    public override string ToString() => $"{Field}: {Message}";
}

/// <summary>The job cannot run as described; raised before any training starts, listing every problem.</summary>
public sealed class InvalidJobException : Exception
{
    public InvalidJobException()
        : this([])
    {
    }

    public InvalidJobException(string message)
        : this([new JobProblem("job", message)])
    {
    }

    public InvalidJobException(string message, Exception innerException)
        : base(message, innerException)
    {
        Problems = [new JobProblem("job", message)];
    }

    public InvalidJobException(IReadOnlyList<JobProblem> problems)
        : base("invalid job: " + string.Join("; ", problems))
    {
        Problems = problems;
    }

    public IReadOnlyList<JobProblem> Problems { get; }
}

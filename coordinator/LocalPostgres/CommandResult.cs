namespace Orchestrator.LocalPostgres;

/// <summary>Exit code and the merged stdout/stderr of a finished command.</summary>
internal sealed record CommandResult(int ExitCode, string Output)
{
    public bool Succeeded => ExitCode == 0;
}

namespace Orchestrator.Worker.Agent;

/// <summary>
/// The worker id the coordinator last gave this agent, kept in the state folder. An agent restarted on the same
/// machine (after kill -9, an OOM kill, a crash) names it when it registers again, so the coordinator ends the dead
/// run's leases at once instead of after they expire.
/// </summary>
public sealed class WorkerIdFile(string stateDirectory)
{
    public const string FileName = "worker-id";

    // Issued ids are 32 hex digits; anything else in the file is not one of ours and is ignored.
    private const int IssuedIdLength = 32;

    public string FilePath { get; } = Path.Combine(stateDirectory, FileName);

    /// <summary>The id an earlier run of this agent registered as; null on a first start or when the file is unreadable.</summary>
    public string? Read()
    {
        try
        {
            var id = File.Exists(FilePath) ? File.ReadAllText(FilePath).Trim() : null;
            return id is { Length: IssuedIdLength } && id.All(char.IsAsciiHexDigit) ? id : null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // without it the old leases still end, only later: when they expire
        }
    }

    /// <summary>Keeps <paramref name="workerId"/> for the next start; written whole (temporary file, then rename).</summary>
    public void Write(string workerId)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        var temporary = FilePath + ".tmp";
        File.WriteAllText(temporary, workerId + Environment.NewLine);
        File.Move(temporary, FilePath, overwrite: true);
    }
}

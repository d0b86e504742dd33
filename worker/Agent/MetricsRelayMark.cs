using System.Globalization;

namespace Orchestrator.Worker.Agent;

/// <summary>
/// How far into a job's metrics.jsonl the coordinator has accepted every epoch line: a byte offset kept beside the
/// file. A resumed trainer appends to the same metrics.jsonl, so the next agent starts relaying here: epochs the
/// coordinator has are not sent again, epochs a killed agent wrote down but never sent are. An agent killed between
/// an accepted report and the mark's update sends that one epoch again, which the coordinator stores once.
/// </summary>
public sealed class MetricsRelayMark(string path)
{
    /// <summary>The offset to relay from; 0 (the whole file) when there is no mark or it cannot be read.</summary>
    public long Read()
    {
        try
        {
            return long.TryParse(File.ReadAllText(path), NumberStyles.None, CultureInfo.InvariantCulture, out var offset) ? offset : 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }

    /// <summary>Records that every epoch line before <paramref name="offset"/> was accepted; written whole or not at all.</summary>
    public void Advance(long offset)
    {
        var pending = path + ".new";
        File.WriteAllText(pending, offset.ToString(CultureInfo.InvariantCulture));
        File.Move(pending, path, overwrite: true);
    }

    /// <summary>Forgets the mark: the job starts over with a new metrics file.</summary>
    public void Clear() => File.Delete(path);
}

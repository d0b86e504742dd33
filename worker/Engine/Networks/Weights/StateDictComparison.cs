namespace Orchestrator.Worker.Engine.Networks.Weights;

/// <summary>How a weight file's keys and shapes differ from a module's state_dict, the way load_state_dict sees it.</summary>
public sealed record StateDictComparison(
    IReadOnlyList<string> Missing,
    IReadOnlyList<string> Unexpected,
    IReadOnlyList<string> ShapeMismatches,
    int Matched)
{
    // A 40-job sweep's log stays readable; the count says how many more there were.
    public const int ListedKeys = 20;

    public bool IsMatch => Missing.Count == 0 && Unexpected.Count == 0 && ShapeMismatches.Count == 0;

    public static StateDictComparison Compare(IReadOnlyDictionary<string, long[]> module, IReadOnlyDictionary<string, long[]> file)
    {
        static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
        var missing = module.Keys.Where(k => !file.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var unexpected = file.Keys.Where(k => !module.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var mismatched = module
            .Where(p => file.TryGetValue(p.Key, out var shape) && !shape.SequenceEqual(p.Value))
            .OrderBy(p => p.Key, StringComparer.Ordinal)
            .Select(p => $"{p.Key}: model {Shape(p.Value)}, file {Shape(file[p.Key])}")
            .ToList();
        var matched = module.Count - missing.Count - mismatched.Count;
        return new StateDictComparison(missing, unexpected, mismatched, matched);
    }

    public string Describe()
    {
        if (IsMatch)
        {
            return $"all {Matched} keys match";
        }

        var lines = new List<string> { $"{Matched} keys match" };
        Append(lines, "missing from the file", Missing);
        Append(lines, "unexpected in the file", Unexpected);
        Append(lines, "shape mismatches", ShapeMismatches);
        return string.Join(Environment.NewLine, lines);
    }

    private static void Append(List<string> lines, string title, IReadOnlyList<string> keys)
    {
        if (keys.Count == 0)
        {
            return;
        }

        lines.Add($"{keys.Count} {title}{(keys.Count > ListedKeys ? $" (first {ListedKeys})" : "")}:");
        lines.AddRange(keys.Take(ListedKeys).Select(k => "  " + k));
    }
}

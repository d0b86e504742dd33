using System.Text.Json.Nodes;
using Orchestrator.Shared.Metrics;
using Orchestrator.Shared.Suggestions;
using static Orchestrator.Shared.Specs.SpecNodeReader;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Reads a spec's `early_stopping:` block, recording every problem with its path. A key of the other type is
/// refused rather than ignored (a `grace` under median would silently do nothing), and the epoch counts are
/// checked against the epochs the jobs train, so a block that could never stop anything is refused too. Hyperband
/// reads ASHA's keys (its brackets are ASHA runs) and a seed for its bracket draw, which only it draws.
/// </summary>
internal static class EarlyStoppingSpecReader
{
    public const string Key = "early_stopping";

    private const string DefaultMetric = "val_loss";

    private static readonly string[] Types = [EarlyStoppingSpec.Asha, EarlyStoppingSpec.Median, EarlyStoppingSpec.Hyperband];
    private static readonly string[] AshaKeys = ["grace", "eta", "max_epochs"];
    private static readonly string[] MedianKeys = ["min_epochs", "min_completed"];
    private static readonly string[] Modes = ["min", "max"];
    private static readonly string[] JudgeSeeds = [EarlyStoppingSpec.Together, EarlyStoppingSpec.Separately];

    private static readonly string[] Keys =
        ["type", "metric", "mode", "judge_seeds", "seed", .. AshaKeys, .. MedianKeys];

    /// <summary>The block with its defaults; null when absent or wrong (its problems recorded).</summary>
    public static EarlyStoppingSpec? Read(
        Dictionary<string, SpecNode> keys, SpecNodeReader reader, List<SpecProblem> problems, IReadOnlyDictionary<string, JsonNode> parameters)
    {
        if (!keys.TryGetValue(Key, out var node))
        {
            return null;
        }

        if (node is not SpecMapping mapping)
        {
            problems.Add(new SpecProblem(Key, $"must be a mapping with at least `type` ({string.Join(", ", Types)})"));
            return null;
        }

        var before = problems.Count;
        var fields = reader.Keys(mapping, Key, Keys);
        var type = reader.Text(fields, "type", Path("type"), TextKind.Word, required: true);
        if (type is not null && !Types.Contains(type, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem(Path("type"), $"unknown type {SpecText.Quote(type)}; use one of: {string.Join(", ", Types)}"));
        }

        RefuseKeysOfTheOtherType(fields, type, problems);
        if (fields.ContainsKey("seed") && type != EarlyStoppingSpec.Hyperband)
        {
            problems.Add(new SpecProblem(Path("seed"),
                $"applies to type {EarlyStoppingSpec.Hyperband} only (its bracket draw); {type ?? "this type"} decides from the order of reports and draws nothing: leave it out"));
        }

        var metric = ReadMetric(fields, reader, problems);
        var judgeSeeds = reader.Text(fields, "judge_seeds", Path("judge_seeds"), TextKind.Word) ?? EarlyStoppingSpec.Together;
        if (!JudgeSeeds.Contains(judgeSeeds, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem(Path("judge_seeds"), $"unknown value {SpecText.Quote(judgeSeeds)}; use {EarlyStoppingSpec.Together} (a configuration's seeds on their mean) or {EarlyStoppingSpec.Separately} (each job alone)"));
        }

        var epochs = JobEpochs(parameters);
        var spec = type switch
        {
            EarlyStoppingSpec.Median => ReadMedian(fields, reader, problems, epochs),
            EarlyStoppingSpec.Hyperband => ReadAsha(fields, reader, problems, epochs) with
            {
                Type = EarlyStoppingSpec.Hyperband,
                Seed = reader.Integer(fields, "seed", Path("seed"), SpecFieldBounds.Seed) ?? 0,
            },
            _ => ReadAsha(fields, reader, problems, epochs),
        } with { Metric = metric, JudgeSeeds = judgeSeeds };
        return problems.Count > before ? null : spec;
    }

    private static string Path(string key) => $"{Key}.{key}";

    private static void RefuseKeysOfTheOtherType(Dictionary<string, SpecNode> fields, string? type, List<SpecProblem> problems)
    {
        var (foreign, owner) = type switch
        {
            EarlyStoppingSpec.Asha => (MedianKeys, EarlyStoppingSpec.Median),
            EarlyStoppingSpec.Median => (AshaKeys, $"{EarlyStoppingSpec.Asha} or {EarlyStoppingSpec.Hyperband}"),
            EarlyStoppingSpec.Hyperband => (MedianKeys, EarlyStoppingSpec.Median),
            _ => (Array.Empty<string>(), string.Empty),
        };
        foreach (var key in foreign.Where(fields.ContainsKey))
        {
            problems.Add(new SpecProblem(Path(key), $"applies to type {owner} only; type {type} does not use it: leave it out"));
        }
    }

    private static string ReadMetric(Dictionary<string, SpecNode> fields, SpecNodeReader reader, List<SpecProblem> problems)
    {
        var key = reader.Text(fields, "metric", Path("metric"), TextKind.Word) ?? DefaultMetric;
        var metric = MetricCatalog.Find(key);
        var mode = reader.Text(fields, "mode", Path("mode"), TextKind.Word);
        if (metric is null)
        {
            var scored = MetricCatalog.All.Where(m => m.Better != Better.Neither).Select(m => m.Key).Order(StringComparer.Ordinal).ToList();
            var hint = NearestName.Among(key, scored) is { } closest ? $" (did you mean '{closest}'?)" : string.Empty;
            problems.Add(new SpecProblem(Path("metric"), $"unknown metric {SpecText.Quote(key)}{hint}; known metrics: {string.Join(", ", scored)}"));
            return key;
        }

        if (metric.Better == Better.Neither)
        {
            problems.Add(new SpecProblem(Path("metric"), $"{key} describes a run rather than scores it, so no job is better for it; use a loss, a recall or a rank (e.g. val_loss)"));
            return key;
        }

        var direction = metric.Better == Better.Lower ? "min" : "max";
        if (mode is not null && !Modes.Contains(mode, StringComparer.Ordinal))
        {
            problems.Add(new SpecProblem(Path("mode"), $"unknown mode {SpecText.Quote(mode)}; use min or max (or leave it out: the catalogue says {key} is best at its {direction})"));
        }
        else if (mode is not null && mode != direction)
        {
            problems.Add(new SpecProblem(Path("mode"), $"{mode} contradicts the metric catalogue: {key} is {(metric.Better == Better.Lower ? "lower" : "higher")} is better (mode {direction}); leave mode out"));
        }

        return key;
    }

    private static EarlyStoppingSpec ReadAsha(Dictionary<string, SpecNode> fields, SpecNodeReader reader, List<SpecProblem> problems, (int Fewest, int Most) epochs)
    {
        var grace = reader.Integer(fields, "grace", Path("grace"), SpecFieldBounds.EarlyStoppingEpochs) ?? 1;
        var eta = reader.Integer(fields, "eta", Path("eta"), SpecFieldBounds.Eta) ?? 3;
        var maxEpochs = reader.Integer(fields, "max_epochs", Path("max_epochs"), SpecFieldBounds.EarlyStoppingEpochs);
        if (maxEpochs > epochs.Fewest)
        {
            problems.Add(new SpecProblem(Path("max_epochs"),
                $"{maxEpochs} is beyond the {epochs.Fewest} epochs {(epochs.Fewest == epochs.Most ? "the jobs train" : "some jobs train")} (parameters.epochs); " +
                $"lower max_epochs to at most {epochs.Fewest} or raise the jobs' epochs"));
        }

        maxEpochs ??= epochs.Fewest;
        if (grace >= maxEpochs)
        {
            problems.Add(new SpecProblem(Path("grace"),
                $"{grace} leaves no rung below max_epochs {maxEpochs}: ASHA and Hyperband judge jobs at grace·eta^k epochs below max_epochs; lower grace or train more epochs"));
        }

        return new EarlyStoppingSpec { Type = EarlyStoppingSpec.Asha, Grace = grace, Eta = eta, MaxEpochs = maxEpochs };
    }

    private static EarlyStoppingSpec ReadMedian(Dictionary<string, SpecNode> fields, SpecNodeReader reader, List<SpecProblem> problems, (int Fewest, int Most) epochs)
    {
        var minEpochs = reader.Integer(fields, "min_epochs", Path("min_epochs"), SpecFieldBounds.EarlyStoppingEpochs) ?? 1;
        var minCompleted = reader.Integer(fields, "min_completed", Path("min_completed"), SpecFieldBounds.MinCompleted) ?? 3;
        if (minEpochs >= epochs.Most)
        {
            problems.Add(new SpecProblem(Path("min_epochs"),
                $"{minEpochs} leaves no epoch to judge: the jobs train at most {epochs.Most} epochs (parameters.epochs) and a job is judged after min_epochs and before its last; lower min_epochs"));
        }

        return new EarlyStoppingSpec { Type = EarlyStoppingSpec.Median, MinEpochs = minEpochs, MinCompleted = minCompleted };
    }

    /// <summary>The fewest and most epochs any job trains: a grid's listed values, a random range's bounds, or the default.</summary>
    private static (int Fewest, int Most) JobEpochs(IReadOnlyDictionary<string, JsonNode> parameters)
    {
        int[] values = parameters.GetValueOrDefault("epochs") switch
        {
            JsonArray list => [.. list.Select(v => v!.GetValue<int>())],
            JsonObject range => [(int)range["min"]!.GetValue<double>(), (int)range["max"]!.GetValue<double>()],
            _ => [new JobParameters().Epochs],
        };
        return values.Length == 0 ? (new JobParameters().Epochs, new JobParameters().Epochs) : (values.Min(), values.Max());
    }
}

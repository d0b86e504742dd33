using System.Text.RegularExpressions;
using Orchestrator.Shared.States;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Storage;

/// <summary>The state enums and the database's enum types name the same states, so a row's label always maps.</summary>
public sealed partial class StateLabelsTests
{
    [Fact]
    public void Every_job_state_has_the_label_the_migrations_declare()
    {
        Assert.Equal(DeclaredLabels("job_state"), Enum.GetValues<JobState>().Select(StateLabels.Label));
        Assert.All(Enum.GetValues<JobState>(), s => Assert.Equal(s, StateLabels.ToJobState(StateLabels.Label(s))));
    }

    [Fact]
    public void Every_sweep_state_has_the_label_the_migrations_declare()
    {
        Assert.Equal(DeclaredLabels("sweep_state"), Enum.GetValues<SweepState>().Select(StateLabels.Label));
        Assert.All(Enum.GetValues<SweepState>(), s => Assert.Equal(s, StateLabels.ToSweepState(StateLabels.Label(s))));
    }

    [Fact]
    public void A_word_that_is_no_state_is_refused()
    {
        Assert.Null(StateLabels.TryToJobState("LeaseLost"));
        Assert.Throws<ArgumentException>(() => StateLabels.ToJobState("done"));
        Assert.Throws<ArgumentException>(() => StateLabels.ToSweepState("queued"));
    }

    /// <summary>The values of a PostgreSQL enum type as the migrations create and extend it, in declaration order.</summary>
    private static List<string> DeclaredLabels(string type)
    {
        var labels = new List<string>();
        var folder = Path.Combine(RepositoryRoot.Find(), "coordinator", "Storage", "Migrations");
        foreach (var sql in Directory.GetFiles(folder, "*.sql").Order(StringComparer.Ordinal).Select(File.ReadAllText))
        {
            foreach (Match created in CreateEnum().Matches(sql).Where(m => m.Groups["type"].Value == type))
            {
                labels.AddRange(Quoted().Matches(created.Groups["values"].Value).Select(v => v.Groups[1].Value));
            }

            labels.AddRange(AddValue().Matches(sql).Where(m => m.Groups["type"].Value == type).Select(m => m.Groups["value"].Value));
        }

        Assert.NotEmpty(labels);
        return labels;
    }

    [GeneratedRegex(@"CREATE TYPE (?<type>\w+) AS ENUM \((?<values>[^)]*)\)")]
    private static partial Regex CreateEnum();

    [GeneratedRegex(@"ALTER TYPE (?<type>\w+) ADD VALUE (?:IF NOT EXISTS )?'(?<value>[^']*)'")]
    private static partial Regex AddValue();

    [GeneratedRegex("'([^']*)'")]
    private static partial Regex Quoted();
}

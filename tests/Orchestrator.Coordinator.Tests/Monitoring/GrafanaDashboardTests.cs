using System.Reflection;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Shared.Monitoring;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Monitoring;

/// <summary>
/// The Grafana dashboard in infra/ queries the names the code exports: a metric renamed in <see cref="PrometheusNames"/>
/// and not on the dashboard (or the other way round) fails here, not as an empty panel in production.
/// </summary>
public sealed partial class GrafanaDashboardTests
{
    private static readonly string[] HistogramSeries = ["_bucket", "_count", "_sum"];

    [Fact]
    public void Every_orchestrator_metric_the_dashboard_queries_is_one_the_code_exports()
    {
        var exported = typeof(PrometheusNames).GetFields(BindingFlags.Public | BindingFlags.Static)
            .Where(f => f.IsLiteral && f.Name != nameof(PrometheusNames.ScrapePath) && !f.Name.EndsWith("Label", StringComparison.Ordinal))
            .Select(f => (string)f.GetRawConstantValue()!)
            .ToHashSet(StringComparer.Ordinal);

        var queried = Expressions().SelectMany(e => OrchestratorName().Matches(e).Select(m => m.Value)).ToHashSet(StringComparer.Ordinal);

        var unknown = queried.Where(name => !exported.Contains(name) && !HistogramSeries.Any(s => name.EndsWith(s, StringComparison.Ordinal) && exported.Contains(name[..^s.Length]))).ToList();
        Assert.True(unknown.Count == 0, $"the dashboard queries metrics nobody exports: {string.Join(", ", unknown)}");
        Assert.Contains(PrometheusNames.LeaseWait + "_bucket", queried);
        Assert.Contains(PrometheusNames.Jobs, queried);
        Assert.Contains(PrometheusNames.SlotBusy, queried);
    }

    [Fact]
    public void Every_panel_uses_the_provisioned_datasource()
    {
        var provisioned = File.ReadAllText(Path.Combine(RepositoryRoot.Find(), "infra", "grafana", "provisioning", "datasources", "prometheus.yml"));
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));

        var uids = dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("datasource", out _))
            .Select(p => p.GetProperty("datasource").GetProperty("uid").GetString()!)
            .Distinct(StringComparer.Ordinal)
            .ToList();

        var uid = Assert.Single(uids);
        Assert.Contains($"uid: {uid}", provisioned, StringComparison.Ordinal);
    }

    private static string DashboardPath => Path.Combine(RepositoryRoot.Find(), "infra", "grafana", "orchestrator.json");

    private static List<string> Expressions()
    {
        using var dashboard = JsonDocument.Parse(File.ReadAllText(DashboardPath));
        return dashboard.RootElement.GetProperty("panels").EnumerateArray()
            .Where(p => p.TryGetProperty("targets", out _))
            .SelectMany(p => p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString()!))
            .ToList();
    }

    [GeneratedRegex(@"\borch_[a-z_]+")]
    private static partial Regex OrchestratorName();
}

using System.Globalization;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using Xunit.Abstractions;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// The catalogue of hostile and mistaken inputs (rpc-cases.jsonl, spec-cases.yaml) against one real `orch serve`:
/// each is refused with its expected code and a message naming the field, and at the end nothing was stored, the
/// same process still serves and its log holds no unhandled exception.
/// </summary>
[Collection(nameof(EndToEnd))]
[TestCaseOrderer(CatalogueOrder.TypeName, CatalogueOrder.AssemblyName)]
public sealed partial class HostileCatalogueTests(HostileCoordinator coordinator, ITestOutputHelper output) : IClassFixture<HostileCoordinator>
{
    private const double MaxSecondsPerAcceptanceCase = 5;
    private const long MaxPeakRssGrowthBytes = 200L * 1024 * 1024;

    public static TheoryData<string> AcceptanceSpecs => Names(HostileCatalogue.SpecCases.Values.Where(c => c.Acceptance).Select(c => c.Name));

    public static TheoryData<string> RpcCases => Names(HostileCatalogue.RpcCases.Keys);

    public static TheoryData<string> SpecCases => Names(HostileCatalogue.SpecCases.Values.Where(c => !c.Acceptance).Select(c => c.Name));

    [Theory]
    [MemberData(nameof(AcceptanceSpecs))]
    public async Task A_acceptance_spec_is_refused_fast_with_bounded_memory(string name)
    {
        var spec = HostileCatalogue.SpecCases[name];
        var request = RawCall.SubmitSweepBytes(spec.Bytes());
        var peakBefore = coordinator.PeakRssBytes();

        var outcome = await coordinator.Calls.SendAsync(RawCall.Find("SweepService", "SubmitSweep"), request, CallerToken.Client);

        var peakAfter = coordinator.PeakRssBytes();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{name}: {request.Length:N0} bytes, {outcome.Status.StatusCode} in {outcome.Elapsed.TotalMilliseconds:F0} ms; coordinator peak RSS {Mb(peakBefore)} -> {Mb(peakAfter)} MB"));
        Refusal.Check(name, outcome, [spec.Code], spec.Mentions, spec.More);
        Assert.True(outcome.Elapsed.TotalSeconds < MaxSecondsPerAcceptanceCase, $"{name} took {outcome.Elapsed.TotalSeconds:F1} s");
        Assert.True(peakAfter - peakBefore < MaxPeakRssGrowthBytes, $"{name} grew the coordinator's peak RSS by {Mb(peakAfter - peakBefore)} MB");
    }

    [Theory]
    [MemberData(nameof(RpcCases))]
    public async Task B_rpc_is_refused(string name)
    {
        var rpc = HostileCatalogue.RpcCases[name];
        var method = RawCall.Find(rpc.Service, rpc.Method);
        var request = RawCall.Serialize(method, CatalogueText.Expand(rpc.RequestJson, coordinator.Live));

        var outcome = await coordinator.Calls.SendAsync(method, request, rpc.Token);

        Refusal.Check(name, outcome, rpc.Codes, rpc.Mentions);
    }

    [Theory]
    [MemberData(nameof(SpecCases))]
    public async Task C_spec_is_refused(string name)
    {
        var spec = HostileCatalogue.SpecCases[name];

        var outcome = await coordinator.Calls.SendAsync(RawCall.Find("SweepService", "SubmitSweep"), RawCall.SubmitSweepBytes(spec.Bytes()), CallerToken.Client);

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {outcome.Status.StatusCode} in {outcome.Elapsed.TotalMilliseconds:F0} ms"));
        Refusal.Check(name, outcome, [spec.Code], spec.Mentions, spec.More);
    }

    [Fact]
    public async Task Z_after_the_whole_catalogue_nothing_is_stored_and_the_same_coordinator_serves()
    {
        // Every finding at once: after a catalogue run that went wrong, each says something different.
        var findings = new List<string>();
        var log = coordinator.Process.Log;
        if (coordinator.Process.HasExited || coordinator.Process.Id != coordinator.StartedPid || !File.Exists($"/proc/{coordinator.StartedPid}/status"))
        {
            findings.Add($"the coordinator (pid {coordinator.StartedPid}) is gone");
        }
        else
        {
            var health = await coordinator.HealthAsync();
            AddUnless(findings, health == HealthCheckResponse.Types.ServingStatus.Serving, $"health is {health}");
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"coordinator pid {coordinator.StartedPid}, peak RSS {Mb(coordinator.PeakRssBytes())} MB after the catalogue"));
        }

        var counts = await coordinator.CountAsync();
        AddUnless(findings, counts == coordinator.CountsAfterSetup, $"stored rows changed: {coordinator.CountsAfterSetup} after the setup, {counts} now");
        var lease = await coordinator.LeaseStateAsync();
        AddUnless(findings, lease == coordinator.LeaseAfterSetup, $"the setup's job changed: {coordinator.LeaseAfterSetup} after the setup, {lease} now");
        var errors = log.Split('\n').Where(l => UnhandledLine().IsMatch(l)).ToList();
        AddUnless(findings, errors.Count == 0, $"{errors.Count} error line(s) in the coordinator's log, the first: {string.Join(Environment.NewLine, errors.Take(5).Select(e => e.Length > 300 ? e[..300] + "…" : e))}");

        Assert.True(findings.Count == 0, string.Join(Environment.NewLine, findings));
    }

    private static void AddUnless(List<string> findings, bool holds, string finding)
    {
        if (!holds)
        {
            findings.Add(finding);
        }
    }

    private static TheoryData<string> Names(IEnumerable<string> names)
    {
        var data = new TheoryData<string>();
        foreach (var name in names)
        {
            data.Add(name);
        }

        return data;
    }

    private static string Mb(long bytes) => (bytes / (1024.0 * 1024.0)).ToString("F1", CultureInfo.InvariantCulture);

    // Error and critical log entries (the simple console format's "fail:" and "crit:"), and exceptions that reached the host.
    [GeneratedRegex(@"\b(fail|crit):|Unhandled exception|Exception was thrown by handler")]
    private static partial Regex UnhandledLine();
}

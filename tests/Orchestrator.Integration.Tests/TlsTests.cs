using System.Globalization;
using System.Text.Json;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Shared.Configuration;
using Orchestrator.LocalPostgres;
using StateLabels = Orchestrator.Shared.States.StateLabels;
using StoredSweepState = Orchestrator.Shared.States.SweepState;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// `orch serve --tls-cert/--tls-key` with a certificate from a private CA made here: an agent and the CLI given the CA
/// with --ca work end to end; without it they refuse with the reason and what to pass; http:// and https:// mixed up
/// with what the coordinator speaks are named as such; a certificate that cannot serve stops `orch serve` before it serves.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class TlsTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    [Fact]
    public async Task Over_tls_the_agent_and_the_cli_with_the_ca_run_a_sweep_and_without_it_refuse_with_the_reason()
    {
        await using var bed = await AgentTestBed.CreateAsync(inProcessCoordinator: false);
        var certificates = TestCertificates.Create(Path.Combine(bed.Root, "tls"));
        var port = LoopbackPort.PickFree();
        var https = new Uri($"https://127.0.0.1:{port}");
        var settings = new Dictionary<string, string?>(bed.Settings)
        {
            [CoordinatorEndpoint.CertificatePathKey] = certificates.CertificateFile,
            [CoordinatorEndpoint.CertificateKeyPathKey] = certificates.KeyFile,
        };
        await using var coordinator = CoordinatorProcess.Start("coordinator-tls", https, settings, bed.Root);
        await WaitUntilServingAsync(https, certificates, coordinator);

        // Without the CA: the CLI and the agent name the refused certificate and the option that fixes it.
        var untrusted = await OrchAsync(bed, https, null, "status");
        Assert.Equal(1, untrusted.ExitCode);
        Assert.Contains("the coordinator's TLS certificate is not trusted (", untrusted.Error, StringComparison.Ordinal);
        Assert.Contains("pass --ca FILE with the CA that signed it", untrusted.Error, StringComparison.Ordinal);
        await using (var refusing = WorkerProcess.Start("no-ca", Address(https), AgentTestBed.WorkerToken, bed.Root, slots: 1))
        {
            await bed.WaitUntilAsync("the agent without --ca to name the untrusted certificate",
                () => Task.FromResult(refusing.Log.Contains("TLS certificate is not trusted (", StringComparison.Ordinal) && refusing.Log.Contains("pass --ca FILE", StringComparison.Ordinal)), Timeout);
        }

        // A plain-HTTP client of the TLS coordinator is told to use https://.
        var plain = await OrchAsync(bed, new Uri($"http://127.0.0.1:{port}"), certificates.CaFile, "status");
        Assert.Equal(1, plain.ExitCode);
        Assert.Contains($"the coordinator at http://127.0.0.1:{port}/ speaks TLS: use https://127.0.0.1:{port}", plain.Error, StringComparison.Ordinal);

        // With the CA: a sweep submitted by the CLI runs on an agent to success, and the CLI reports it.
        var spec = Path.Combine(bed.Root, "tls.yaml");
        await File.WriteAllTextAsync(spec, AgentTestBed.Spec("tls", seeds: 1, epochs: 1, images: 16));
        var submitted = await OrchAsync(bed, https, certificates.CaFile, "submit", spec, "--json");
        Assert.True(submitted.ExitCode == 0, submitted.Output + submitted.Error);
        var sweepId = JsonDocument.Parse(submitted.Output).RootElement.GetProperty("sweep_id").Long();
        bed.StartWorker("with-ca", coordinators: Address(https), environment: new Dictionary<string, string> { [EnvironmentVariables.CaFile] = certificates.CaFile });
        await bed.WaitUntilAsync("the sweep over TLS to end",
            async () => StateLabels.ToSweepState(await bed.ScalarAsync<string>("SELECT state::text FROM sweeps WHERE id = @id", sweepId)) != StoredSweepState.Active, Timeout);

        Assert.Equal(1L, await bed.ScalarAsync<long>("SELECT count(*) FROM jobs WHERE sweep_id = @id AND state = 'succeeded'", sweepId));
        var status = await OrchAsync(bed, https, certificates.CaFile, "status", sweepId.ToString(CultureInfo.InvariantCulture), "--json");
        Assert.True(status.ExitCode == 0, status.Output + status.Error);
        Assert.Equal(1, JsonDocument.Parse(status.Output).RootElement.GetProperty("counts").GetProperty("succeeded").GetInt32());
        Assert.DoesNotContain("clear text", coordinator.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_https_client_of_a_plain_coordinator_is_told_it_does_not_speak_tls()
    {
        await using var bed = await AgentTestBed.CreateAsync();

        var outcome = await OrchAsync(bed, new Uri($"https://127.0.0.1:{bed.Port}"), null, "status");

        Assert.Equal(1, outcome.ExitCode);
        Assert.Contains($"the coordinator at https://127.0.0.1:{bed.Port}/ does not speak TLS", outcome.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Serve_refuses_a_certificate_it_cannot_serve_with_before_serving()
    {
        var root = Directory.CreateTempSubdirectory("orch-tls-").FullName;
        var certificates = TestCertificates.Create(Path.Combine(root, "tls"));
        var https = $"https://127.0.0.1:{LoopbackPort.PickFree()}";

        var noCertificate = await ServeAsync(root, "--listen", https);
        var missing = await ServeAsync(root, "--listen", https, "--tls-cert", Path.Combine(root, "nope.crt"), "--tls-key", certificates.KeyFile);
        var mismatched = await ServeAsync(root, "--listen", https, "--tls-cert", certificates.CertificateFile, "--tls-key", certificates.OtherKeyFile);
        var plainWithCertificate = await ServeAsync(root, "--listen", https.Replace("https", "http", StringComparison.Ordinal), "--tls-cert", certificates.CertificateFile, "--tls-key", certificates.KeyFile);

        Assert.All([noCertificate, missing, mismatched, plainWithCertificate], o => Assert.Equal(2, o.ExitCode));
        Assert.Contains("is https:// but no TLS certificate is given: pass --tls-cert FILE --tls-key FILE", noCertificate.Error, StringComparison.Ordinal);
        Assert.Contains("nope.crt", missing.Error, StringComparison.Ordinal);
        Assert.Contains("cannot be used together", mismatched.Error, StringComparison.Ordinal);
        Assert.Contains("is plain http:// but a TLS certificate is given", plainWithCertificate.Error, StringComparison.Ordinal);
    }

    private static Task<OrchProcess.Outcome> ServeAsync(string root, params string[] arguments) => OrchProcess.ServeWithoutDatabaseAsync(root, arguments);

    private static Task<OrchProcess.Outcome> OrchAsync(AgentTestBed bed, Uri coordinator, string? caFile, params string[] arguments)
    {
        List<string> all = [.. arguments, "--coordinator", Address(coordinator), "--token", AgentTestBed.ClientToken];
        if (caFile is not null)
        {
            all.AddRange(["--ca", caFile]);
        }

        return OrchProcess.RunAsync(all, bed.Root);
    }

    private static async Task WaitUntilServingAsync(Uri address, TestCertificates certificates, LoggedProcess coordinator)
    {
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline && !coordinator.HasExited)
        {
            var health = await OrchProcess.RunAsync(["health", "--coordinator", Address(address), "--ca", certificates.CaFile], Path.GetTempPath());
            if (health.ExitCode == 0)
            {
                return;
            }

            await Task.Delay(500);
        }

        Assert.Fail($"{coordinator.Name} at {address} did not start serving TLS{Environment.NewLine}{coordinator.Log}");
    }

    private static string Address(Uri uri) => uri.ToString().TrimEnd('/');
}

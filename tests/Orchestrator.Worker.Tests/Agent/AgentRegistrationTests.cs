using System.Globalization;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Worker.Agent;

namespace Orchestrator.Worker.Tests.Agent;

/// <summary>The agent's services come from its container, with its options checked when the host starts.</summary>
public sealed class AgentRegistrationTests : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-agent-di-").FullName;

    [Fact]
    public void Every_bad_setting_is_named_at_once()
    {
        var options = new AgentOptions
        {
            Token = " ",
            Coordinator = "ftp://c1",
            Slots = 0,
            LeaseWait = TimeSpan.FromSeconds(-1),
            KillGrace = TimeSpan.Zero,
            ErrorTailLines = 0,
        };

        var result = new AgentOptionsValidator().Validate(null, options);

        Assert.True(result.Failed);
        Assert.Collection(
            result.Failures!,
            f => Assert.StartsWith("a worker token is required: --token", f, StringComparison.Ordinal),
            f => Assert.Equal("--coordinator: 'ftp://c1' is not an http:// or https:// address (Parameter 'addresses')", f),
            f => Assert.Equal("--slots must be at least 1, got 0", f),
            f => Assert.Equal("--lease-wait must not be negative, got -00:00:01", f),
            f => Assert.Equal("--kill-grace must be positive, got 00:00:00", f),
            f => Assert.Equal("Agent:ErrorTailLines must be at least 1, got 0", f));
        Assert.True(new AgentOptionsValidator().Validate(null, new AgentOptions { Token = "t" }).Succeeded);
    }

    [Fact]
    public async Task A_host_with_a_bad_setting_does_not_start_and_says_which()
    {
        using var host = Host(new Dictionary<string, string?> { ["Agent:Token"] = "t", ["Agent:Coordinator"] = "http://c1:50051", ["Agent:KillGrace"] = "-00:00:05" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal(["--kill-grace must be positive, got -00:00:05"], error.Failures);
    }

    [Fact]
    public void The_agent_s_parts_share_the_container_s_clock()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2030-04-05T06:07:08Z", CultureInfo.InvariantCulture));
        using var host = Host(new Dictionary<string, string?> { ["Agent:Token"] = "t", ["Agent:Coordinator"] = "http://c1:50051" }, clock);

        var contact = host.Services.GetRequiredService<CoordinatorContactFile>();
        contact.Touch();

        Assert.Same(host.Services.GetRequiredService<CoordinatorConnection>(), host.Services.GetRequiredService<CoordinatorConnection>());
        Assert.Equal(Path.Combine(directory, "state", CoordinatorContactFile.FileName), contact.FilePath);
        Assert.Equal("2030-04-05T06:07:08.0000000+00:00", File.ReadAllText(contact.FilePath).Trim());
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private IHost Host(Dictionary<string, string?> settings, TimeProvider? clock = null)
    {
        settings["Agent:StateDirectory"] = Path.Combine(directory, "state");
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(settings);
        if (clock is not null)
        {
            builder.Services.AddSingleton(clock);
        }

        builder.Services.AddWorkerAgent(builder.Configuration);
        return builder.Build();
    }
}

using System.Text.Json;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// The built `orch` carries its runtime settings in orch.runtimeconfig.json: idle thread-pool workers do not spin,
/// so a coordinator that waits on sockets leaves its cores to PostgreSQL (README, Queue benchmark).
/// </summary>
public sealed class CoordinatorRuntimeConfigTests
{
    [Fact]
    public void Orch_thread_pool_workers_block_without_spinning()
    {
        var file = Path.ChangeExtension(OrchProcess.Executable, ".runtimeconfig.json");

        using var config = JsonDocument.Parse(File.ReadAllText(file));
        var properties = config.RootElement.GetProperty("runtimeOptions").GetProperty("configProperties");

        Assert.True(properties.TryGetProperty("System.Threading.ThreadPool.UnfairSemaphoreSpinLimit", out var spinLimit), $"{file} does not set the spin limit");
        Assert.Equal(0, spinLimit.GetInt32());
    }
}

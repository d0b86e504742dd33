using Microsoft.Extensions.Configuration;
using Orchestrator.Coordinator.Hosting;

namespace Orchestrator.Coordinator.Tests.Hosting;

/// <summary>`orch serve` warns when plain HTTP would carry tokens off the machine, and only then.</summary>
public sealed class ClearTextWarningTests
{
    [Theory]
    [InlineData("http://0.0.0.0:50051", true)]
    [InlineData("http://10.1.2.3:50051", true)]
    [InlineData("http://127.0.0.1:50051", false)]
    [InlineData("http://localhost:50051", false)]
    [InlineData("http://[::1]:50051", false)]
    public void Plain_http_off_loopback_is_served_with_a_warning(string listen, bool warned)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(CoordinatorEndpoint.Settings(listen)).Build();
        using var warnings = new StringWriter();

        CoordinatorEndpoint.Verify(configuration, warnings);

        Assert.Equal(warned, warnings.ToString().Contains("clear text", StringComparison.Ordinal));
    }
}

using Xunit;

namespace Orchestrator.Testing;

/// <summary>
/// Class fixture: a fresh, empty database for one test class on the assembly's server, dropped afterwards,
/// so test classes never see each other's rows.
/// </summary>
public sealed class IsolatedDatabase : IAsyncLifetime
{
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync() => ConnectionString = await TestPostgresServer.CreateDatabaseAsync("test");

    public async Task DisposeAsync()
    {
        if (ConnectionString.Length > 0)
        {
            await TestPostgresServer.DropDatabaseAsync(ConnectionString);
        }
    }
}

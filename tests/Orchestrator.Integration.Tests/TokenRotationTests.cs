using Grpc.Core;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.Protos;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests;

/// <summary>
/// Tokens rotate without a restart: the coordinator reads its tokens file again when it changes, several tokens per
/// role are valid at once, and a file that turns bad leaves the tokens in force as they were.
/// </summary>
[Collection(nameof(EndToEnd))]
public sealed class TokenRotationTests
{
    [Fact]
    public async Task A_token_added_to_the_file_works_beside_the_old_one_and_the_old_one_is_refused_once_removed()
    {
        var connectionString = await TestPostgresServer.CreateDatabaseAsync("tokens");
        var file = Path.Combine(Directory.CreateTempSubdirectory("orch-tokens-").FullName, "tokens");
        await File.WriteAllTextAsync(file, "# rotated by hand\nworker old-worker\nclient old-client\n");
        await using var coordinator = await CoordinatorHost.StartAsync(new Dictionary<string, string?>
        {
            ["ConnectionStrings:Orchestrator"] = connectionString,
            ["Coordinator:Auth:TokensFile"] = file,
            ["Coordinator:Auth:ClientTokens:0"] = "listed-client",
        });

        Assert.Equal(StatusCode.OK, await ListSweepsAsync(coordinator, "old-client"));
        Assert.Equal(StatusCode.Unauthenticated, await ListSweepsAsync(coordinator, "new-client"));

        await File.WriteAllTextAsync(file, "worker old-worker\nclient old-client\nclient new-client\n");
        Assert.Equal(StatusCode.OK, await ListSweepsAsync(coordinator, "old-client"));
        Assert.Equal(StatusCode.OK, await ListSweepsAsync(coordinator, "new-client"));

        await File.WriteAllTextAsync(file, "worker old-worker\nclient new-client\n");
        Assert.Equal(StatusCode.Unauthenticated, await ListSweepsAsync(coordinator, "old-client"));
        Assert.Equal(StatusCode.OK, await ListSweepsAsync(coordinator, "new-client"));
        Assert.Equal(StatusCode.OK, await ListSweepsAsync(coordinator, "listed-client"));
        Assert.Equal(StatusCode.PermissionDenied, await ListSweepsAsync(coordinator, "old-worker"));

        // A token in both roles is a mistake: not applied, the tokens in force stay.
        await File.WriteAllTextAsync(file, "worker new-client\nclient new-client\nclient mistaken\n");
        Assert.Equal(StatusCode.OK, await ListSweepsAsync(coordinator, "new-client"));
        Assert.Equal(StatusCode.Unauthenticated, await ListSweepsAsync(coordinator, "mistaken"));
    }

    private static async Task<StatusCode> ListSweepsAsync(CoordinatorHost coordinator, string token)
    {
        var sweeps = new SweepService.SweepServiceClient(coordinator.Connect(token));
        try
        {
            await sweeps.ListSweepsAsync(new ListSweepsRequest());
            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }
}

using System.CommandLine;
using Orchestrator.Coordinator.Auth;
using Orchestrator.Coordinator.Hosting;
using Orchestrator.LocalPostgres;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Coordinator.Cli;

/// <summary>
/// `orch serve`: the coordinator. With no database given it runs on an embedded PostgreSQL it starts itself (a
/// persistent cluster in the user's data folder); with no tokens configured it uses the local credentials file,
/// so the other `orch` commands and a local `orch-worker` connect without setup.
/// </summary>
public static class ServeCommand
{
    public static Command Create()
    {
        var database = new Option<string?>("--db") { Description = "PostgreSQL connection string (default: ConnectionStrings__Orchestrator, else the embedded local PostgreSQL)" };
        var listen = new Option<string>("--listen") { Description = "address to serve gRPC on", DefaultValueFactory = _ => CliConnection.DefaultAddress };
        var dataDirectory = new Option<string?>("--data-dir") { Description = "data directory of the embedded PostgreSQL" };
        var command = new Command("serve", "Run the coordinator.\nExample: orch serve --listen http://0.0.0.0:50051 --db \"Host=db;Username=orch;Password=…;Database=orch\"")
        {
            database, listen, dataDirectory,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = CoordinatorEndpoint.Settings(parse.GetValue(listen)!);
            if (parse.GetValue(database) is { } connection)
            {
                settings[$"ConnectionStrings:{DatabaseOptions.ConnectionStringName}"] = connection;
            }

            if (parse.GetValue(dataDirectory) is { } directory)
            {
                settings["Coordinator:Database:EmbeddedDataDirectory"] = directory;
            }

            var app = BuildHost(settings, parse.GetValue(listen)!);
            try
            {
                // The database (an embedded one starts here) before the host: a refusal is then one clear line and
                // exit code 1, not a failed host start with a stack trace.
                _ = app.Services.GetRequiredService<CoordinatorDatabase>();
            }
            catch (Exception e) when (e is DataDirectoryInUseException or LocalPostgresException or PostgresNotInstalledException)
            {
                await Console.Error.WriteLineAsync($"orch serve: cannot start: {e.Message}");
                await app.DisposeAsync();
                return ExitCode.Failed;
            }

            await app.RunAsync(cancellationToken);
            return ExitCode.Ok;
        });
        return command;
    }

    public static WebApplication BuildHost(IDictionary<string, string?> settings, string listen)
    {
        ArgumentNullException.ThrowIfNull(settings);
        // appsettings.json beside the binary, wherever `orch serve` is started from (as the in-process host does).
        return CoordinatorApplication.Build(settings, contentRoot: AppContext.BaseDirectory, configureBuilder: builder => UseLocalTokensUnlessConfigured(builder, listen));
    }

    /// <summary>Without configured tokens, the local credentials file's (created on first use) serve, so a single machine needs no setup.</summary>
    private static void UseLocalTokensUnlessConfigured(WebApplicationBuilder builder, string listen)
    {
        var configuredTokens = builder.Configuration[$"{AuthOptions.Section}:WorkerToken"] ?? Environment.GetEnvironmentVariable(EnvironmentVariables.WorkerToken);
        if (configuredTokens is not null)
        {
            return;
        }

        var local = LocalCredentials.LoadOrCreate(listen);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            [$"{AuthOptions.Section}:WorkerToken"] = local.WorkerToken,
            [$"{AuthOptions.Section}:ClientToken"] = local.ClientToken,
        });
        Console.Error.WriteLine($"orch serve: tokens from {LocalCredentials.FilePath} (used by the local `orch` commands and `orch-worker`)");
    }
}

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
        var certificate = new Option<string?>("--tls-cert") { Description = $"serve TLS with this certificate, a PEM file (with --listen https://…; also {CoordinatorEndpoint.CertificatePathKey})" };
        var key = new Option<string?>("--tls-key") { Description = $"the certificate's private key, a PEM file (also {CoordinatorEndpoint.CertificateKeyPathKey})" };
        var metricsListen = new Option<string?>("--metrics-listen")
        {
            Description = $"also serve Prometheus metrics at /metrics over plain HTTP/1.1 on this address, e.g. http://0.0.0.0:9464; no token, no secrets on it (default: off; also {PlainHttpEndpoint.Metrics.UrlKey})",
        };
        var webListen = new Option<string?>("--web-listen")
        {
            Description = $"also serve the web dashboard over plain HTTP/1.1 on this address, e.g. http://127.0.0.1:8080 (browsers do not speak the cleartext HTTP/2 of --listen http://…; over TLS the dashboard shares the gRPC port; also {PlainHttpEndpoint.Web.UrlKey})",
        };
        var tokensFile = new Option<string?>("--tokens-file") { Description = "file of `worker TOKEN` / `client TOKEN` lines, read again when it changes (tokens rotate without a restart)" };
        var command = new Command("serve", "Run the coordinator.\nExample: orch serve --listen https://0.0.0.0:50051 --tls-cert server.crt --tls-key server.key --db \"Host=db;Username=orch;Password=…;Database=orch\"")
        {
            database, listen, dataDirectory, certificate, key, tokensFile, metricsListen, webListen,
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

            settings[CoordinatorEndpoint.CertificatePathKey] = parse.GetValue(certificate);
            settings[CoordinatorEndpoint.CertificateKeyPathKey] = parse.GetValue(key);
            foreach (var (endpoint, option) in new[] { (PlainHttpEndpoint.Metrics, metricsListen), (PlainHttpEndpoint.Web, webListen) })
            {
                foreach (var (endpointKey, value) in parse.GetValue(option) is { } url ? endpoint.Settings(url) : [])
                {
                    settings[endpointKey] = value;
                }
            }

            if (parse.GetValue(tokensFile) is { } file)
            {
                settings[$"{AuthOptions.Section}:{nameof(AuthOptions.TokensFile)}"] = Path.GetFullPath(file);
            }

            // Null values would hide what appsettings.json or the environment set; only the given options go on top.
            foreach (var unset in settings.Where(s => s.Value is null).Select(s => s.Key).ToList())
            {
                settings.Remove(unset);
            }

            WebApplication app;
            string dashboard;
            try
            {
                app = BuildHost(settings, parse.GetValue(listen)!);
                CoordinatorEndpoint.Verify(app.Configuration, Console.Error);
                dashboard = DashboardAddress(app.Configuration);
            }
            catch (CoordinatorConfigurationException e)
            {
                // Before anything is served or started: the operator reads one line saying what to change.
                await Console.Error.WriteLineAsync("orch serve: cannot start: " + e.Message);
                return ExitCode.Usage;
            }

            await using (app)
            {
                try
                {
                    // The database (an embedded one starts here) before the host: a refusal is then one clear line and
                    // exit code 1, not a failed host start with a stack trace.
                    _ = app.Services.GetRequiredService<CoordinatorDatabase>();
                }
                catch (Exception e) when (e is DataDirectoryInUseException or LocalPostgresException or PostgresNotInstalledException)
                {
                    await Console.Error.WriteLineAsync($"orch serve: cannot start: {e.Message}");
                    return ExitCode.Failed;
                }

                app.Lifetime.ApplicationStarted.Register(() => Console.Error.WriteLine(dashboard));
                await app.RunAsync(cancellationToken);
            }

            return ExitCode.Ok;
        });
        return command;
    }

    /// <summary>Where a browser finds the dashboard, or how to give it one: the line `orch serve` prints once serving.</summary>
    public static string DashboardAddress(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        if (PlainHttpEndpoint.Web.Port(configuration) is not null)
        {
            return $"orch serve: web dashboard at {configuration[PlainHttpEndpoint.Web.UrlKey]!.TrimEnd('/')}/ (sign in with a client or viewer token)";
        }

        var grpc = configuration[CoordinatorEndpoint.UrlKey] ?? CliConnection.DefaultAddress;
        return grpc.StartsWith("https://", StringComparison.OrdinalIgnoreCase)
            ? $"orch serve: web dashboard at {grpc.TrimEnd('/')}/ (the gRPC port; sign in with a client or viewer token)"
            : $"orch serve: no web dashboard: browsers do not speak cleartext HTTP/2; add --web-listen http://127.0.0.1:{PlainHttpEndpoint.Web.ExamplePort}, or serve TLS";
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
        if (AuthOptions.AnyConfigured(builder.Configuration))
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

using System.CommandLine;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;

namespace Orchestrator.Coordinator.Cli;

/// <summary>The exit codes every `orch` command uses.</summary>
public static class ExitCode
{
    public const int Ok = 0;

    /// <summary>The command failed, or the work it reports on has failed jobs.</summary>
    public const int Failed = 1;

    /// <summary>The command line itself is wrong (unknown option, missing file).</summary>
    public const int Usage = 2;
}

/// <summary>Options every command takes: where the coordinator is, the token, the CA to trust, and JSON output for scripts.</summary>
public sealed class CommonOptions
{
    public Option<string?> Coordinator { get; } = new("--coordinator") { Description = "coordinator address (default: ORCH_COORDINATOR, the local `orch serve`, or http://127.0.0.1:50051)", Recursive = true };

    public Option<string?> Token { get; } = new("--token") { Description = "client token (default: ORCH_CLIENT_TOKEN or the local `orch serve`'s)", Recursive = true };

    public Option<string?> Ca { get; } = new("--ca") { Description = "PEM file of the CA that signed the coordinator's TLS certificate, trusted besides the system's (default: ORCH_CA_FILE)", Recursive = true };

    public Option<bool> Json { get; } = new("--json") { Description = "print machine-readable JSON instead of text", Recursive = true };

    public void AddTo(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        root.Options.Add(Coordinator);
        root.Options.Add(Token);
        root.Options.Add(Ca);
        root.Options.Add(Json);
    }
}

/// <summary>What one command invocation has: its parse result, a connection, and the output mode.</summary>
public sealed class CliContext(ParseResult parse, CommonOptions common, CliConnection connection)
{
    private static readonly JsonFormatter ProtoJson = new(JsonFormatter.Settings.Default.WithPreserveProtoFieldNames(true).WithFormatDefaultValues(true));
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public ParseResult Parse { get; } = parse;

    public CliConnection Connection { get; } = connection;

    public bool Json => Parse.GetValue(common.Json);

    public static string ToJson(IMessage message) => ProtoJson.Format(message);

    public static void WriteJson(object value) => Console.WriteLine(value is IMessage message ? ToJson(message) : JsonSerializer.Serialize(value, Indented));

    /// <summary>Runs a command body with a connection; failures become one clear message and exit code 1.</summary>
    public static async Task<int> RunAsync(ParseResult parse, CommonOptions common, Func<CliContext, CancellationToken, Task<int>> body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(common);
        ArgumentNullException.ThrowIfNull(body);
        CliConnection connection;
        try
        {
            connection = new CliConnection(parse.GetValue(common.Coordinator), parse.GetValue(common.Token), parse.GetValue(common.Ca));
        }
        catch (UsageException ex)
        {
            Console.Error.WriteLine("orch: " + ex.Message);
            return ExitCode.Usage;
        }

        using var owned = connection;
        var context = new CliContext(parse, common, connection);
        try
        {
            return await body(context, cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode != StatusCode.Cancelled)
        {
            return context.Fail(connection.Explain(ex), ex.StatusCode.ToString());
        }
        catch (UsageException ex)
        {
            return context.Fail(ex.Message, "usage", ExitCode.Usage);
        }
    }

    public int Fail(string message, string code, int exitCode = ExitCode.Failed)
    {
        if (Json)
        {
            WriteJson(new { error = message, code });
        }
        else
        {
            Console.Error.WriteLine("orch: " + message);
        }

        return exitCode;
    }
}

/// <summary>A problem with the command line the parser cannot see (a spec file that does not exist).</summary>
public sealed class UsageException : Exception
{
    public UsageException()
    {
    }

    public UsageException(string message)
        : base(message)
    {
    }

    public UsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

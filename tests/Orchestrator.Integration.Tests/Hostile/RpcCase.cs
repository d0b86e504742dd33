using System.Text.Json;
using Grpc.Core;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// One line of rpc-cases.jsonl: a call (service, method, the caller's token, the request in protobuf's JSON
/// mapping) and the refusal it must get: one of <see cref="Codes"/>, with a message that contains one of <see cref="Mentions"/>.
/// </summary>
public sealed record RpcCase(string Name, string Service, string Method, CallerToken Token, string RequestJson, IReadOnlyList<StatusCode> Codes, IReadOnlyList<string> Mentions)
{
    public const string FileName = "rpc-cases.jsonl";

    public static IReadOnlyList<RpcCase> Load() =>
        File.ReadLines(HostileCatalogue.PathOf(FileName))
            .Where(line => line.Trim().Length > 0)
            .Select(Parse)
            .ToList();

    private static RpcCase Parse(string line)
    {
        using var document = JsonDocument.Parse(line);
        var root = document.RootElement;
        var service = root.GetProperty("service").GetString()!;
        var token = root.TryGetProperty("token", out var named)
            ? Enum.Parse<CallerToken>(named.GetString()!, ignoreCase: true)
            : service == "WorkerService" ? CallerToken.Worker : CallerToken.Client;
        return new RpcCase(
            root.GetProperty("name").GetString()!,
            service,
            root.GetProperty("method").GetString()!,
            token,
            root.GetProperty("request").GetRawText(),
            HostileCatalogue.OneOrMany(root.GetProperty("code")).Select(c => Enum.Parse<StatusCode>(c)).ToList(),
            HostileCatalogue.OneOrMany(root.GetProperty("mentions")));
    }
}

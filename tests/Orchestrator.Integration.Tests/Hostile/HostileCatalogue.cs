using System.Text.Json;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// The catalogue's data files, read from the checkout (as the tests read the orch build): every case by name, so a
/// theory row shows the case's name and a failure can be looked up in the file.
/// </summary>
public static class HostileCatalogue
{
    private static readonly Lazy<IReadOnlyDictionary<string, RpcCase>> Rpcs =
        new(() => ByName(RpcCase.Load(), c => c.Name, RpcCase.FileName));

    private static readonly Lazy<IReadOnlyDictionary<string, SpecCase>> Specs =
        new(() => ByName(SpecCase.Load(), c => c.Name, SpecCase.FileName));

    private static readonly Lazy<Dictionary<string, int>> Positions = new(() =>
        RpcCase.Load().Select(c => c.Name).Concat(SpecCase.Load().Select(c => c.Name))
            .Select((name, position) => (name, position))
            .ToDictionary(p => p.name, p => p.position, StringComparer.Ordinal));

    public static IReadOnlyDictionary<string, RpcCase> RpcCases => Rpcs.Value;

    public static IReadOnlyDictionary<string, SpecCase> SpecCases => Specs.Value;

    /// <summary>Where the case named <paramref name="name"/> stands in its data file.</summary>
    public static int Position(string name) => Positions.Value.TryGetValue(name, out var position) ? position : -1;

    public static string PathOf(string fileName) =>
        Path.Combine(RepositoryRoot.Find(), "tests", "Orchestrator.Integration.Tests", "Hostile", fileName);

    /// <summary>A JSON value that is one string or an array of them.</summary>
    public static IReadOnlyList<string> OneOrMany(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? element.EnumerateArray().Select(e => e.GetString()!).ToList() : [element.GetString()!];

    private static Dictionary<string, T> ByName<T>(IEnumerable<T> cases, Func<T, string> name, string file)
    {
        var byName = new Dictionary<string, T>(StringComparer.Ordinal);
        foreach (var item in cases)
        {
            if (!byName.TryAdd(name(item), item))
            {
                throw new InvalidDataException($"{file}: the case name '{name(item)}' is used twice");
            }
        }

        return byName;
    }
}

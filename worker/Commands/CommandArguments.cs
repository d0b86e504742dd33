namespace Orchestrator.Worker.Commands;

/// <summary>`--name value` and `--flag` options after a command word; unknown options are errors, not ignored.</summary>
public sealed class CommandArguments
{
    private readonly Dictionary<string, string?> values = new(StringComparer.Ordinal);

    public CommandArguments(IEnumerable<string> args, IReadOnlySet<string> valued, IReadOnlySet<string> flags)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(valued);
        ArgumentNullException.ThrowIfNull(flags);
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var name = e.Current;
            if (flags.Contains(name))
            {
                values[name] = null;
            }
            else if (valued.Contains(name))
            {
                values[name] = e.MoveNext() ? e.Current : throw new ArgumentException($"{name} needs a value");
            }
            else
            {
                throw new ArgumentException($"unknown option '{name}'; known: {string.Join(", ", valued.Concat(flags))}");
            }
        }
    }

    public bool Has(string name) => values.ContainsKey(name);

    public string? Get(string name) => values.GetValueOrDefault(name);

    public string Require(string name) => Get(name) ?? throw new ArgumentException($"{name} is required");

    public int GetInt(string name, int fallback) =>
        Get(name) is { } text
            ? int.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, out var value) ? value : throw new ArgumentException($"{name} must be a whole number, not '{text}'")
            : fallback;
}

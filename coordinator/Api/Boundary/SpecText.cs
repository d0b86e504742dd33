using System.Globalization;

namespace Orchestrator.Coordinator.Api.Boundary;

/// <summary>
/// The raw text of a submitted spec: YAML allows no C0 control characters but tab, line feed and carriage
/// return, and one that reached a stored string would be refused by PostgreSQL (NUL) or corrupt output. Refused
/// before parsing, at its line and column; escapes such as "\0" inside quoted scalars are the parser's to check.
/// </summary>
public static class SpecText
{
    public const string Field = "spec";

    public static void Check(RequestProblems problems, string spec)
    {
        ArgumentNullException.ThrowIfNull(problems);
        ArgumentNullException.ThrowIfNull(spec);
        var at = TextField.IndexOfControl(spec, "\t\n\r");
        if (at < 0)
        {
            return;
        }

        var line = 1 + spec.AsSpan(0, at).Count('\n');
        var column = at - spec.LastIndexOf('\n', at); // 1-based: no line feed before it gives -1
        problems.Add(Field, string.Create(CultureInfo.InvariantCulture,
            $"line {line}, column {column}: the control character U+{(int)spec[at]:X4} is not allowed in a spec (only tab, line feed and carriage return are)"));
    }
}

using System.Globalization;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Orchestrator.Shared.Specs;

/// <summary>
/// Reads spec text into <see cref="SpecNode"/>s within <see cref="SweepLimits"/>: size and characters first,
/// then one pass over YamlDotNet's event stream with an explicit stack, stopping at the first limit crossed.
/// </summary>
/// <remarks>
/// YamlDotNet's representation model builds nodes recursively (about 60 KB of nested brackets overflow the
/// stack, which no handler can catch) and hashes mapping keys by walking them (exponential through aliases, and
/// endless on a cyclic alias). Building the tree here, depth-checked and with aliases as shared references to
/// finished nodes, keeps every later walk bounded by the spec's own size.
/// </remarks>
internal sealed class SpecYamlReader(SweepLimits limits, List<SpecProblem> problems)
{
    private const string SpecPath = "(spec)";

    private readonly Dictionary<string, SpecNode> anchors = new(StringComparer.Ordinal);
    private readonly HashSet<SpecNode> open = [];
    private readonly Stack<Frame> stack = new();
    private SpecNode? root;
    private int documents;
    private int nodes;
    private int aliases;

    /// <summary>The root node, or null after recording why there is none usable.</summary>
    public SpecNode? Read(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (!FitsSize(text) || !HasOnlyAllowedCharacters(text))
        {
            return null;
        }

        try
        {
            var parser = new Parser(new StringReader(text));
            while (parser.MoveNext())
            {
                if (!Accept(parser.Current!))
                {
                    return null;
                }
            }
        }
        catch (YamlException ex)
        {
            problems.Add(new SpecProblem($"(line {ex.Start.Line}, column {ex.Start.Column})", "not valid YAML: " + ex.Message));
            return null;
        }
#pragma warning disable CA1031 // The parser runs on text from anyone: whatever it throws must become a problem, never a crash of the caller.
        catch (Exception ex) when (ex is not OutOfMemoryException)
#pragma warning restore CA1031
        {
            problems.Add(new SpecProblem(SpecPath, $"could not be read as YAML ({ex.GetType().Name})"));
            return null;
        }

        if (root is null)
        {
            problems.Add(new SpecProblem(SpecPath, "the spec is empty"));
        }

        return root;
    }

    private bool FitsSize(string text)
    {
        // Every character takes at least one UTF-8 byte, so a longer string is over the limit without counting.
        if (text.Length <= limits.MaxSpecBytes && Encoding.UTF8.GetByteCount(text) <= limits.MaxSpecBytes)
        {
            return true;
        }

        problems.Add(new SpecProblem(SpecPath,
            $"the spec is larger than the limit of {limits.MaxSpecBytes.ToString("N0", CultureInfo.InvariantCulture)} bytes (UTF-8); " +
            "a spec describes a sweep in a few kilobytes: list values, not data"));
        return false;
    }

    private bool HasOnlyAllowedCharacters(string text)
    {
        var index = SpecText.IndexOfDisallowed(text, freeText: true);
        if (index < 0)
        {
            return true;
        }

        var line = 1 + text.AsSpan(0, index).Count('\n');
        var column = index - text.LastIndexOf('\n', Math.Max(0, index - 1));
        problems.Add(new SpecProblem(SpecPath, $"is not a text spec: line {line}, column {column} {SpecText.DescribeDisallowed(text, index)}"));
        return false;
    }

    private bool Accept(ParsingEvent current)
    {
        switch (current)
        {
            case DocumentStart:
                if (++documents > 1)
                {
                    return Refuse(current, "holds more than one YAML document (a `---` starts another): a spec is exactly one YAML document");
                }

                return true;
            case Scalar scalar:
                return CountNode(current) &&
                       Place(Anchored(new SpecScalar(scalar.Start, scalar.Value, scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted), scalar.Anchor));
            case AnchorAlias alias:
                return CountNode(current) && Place(Resolve(alias));
            case SequenceStart start:
                return CountNode(current) && Open(Anchored(new SpecSequence(start.Start), start.Anchor));
            case MappingStart start:
                return CountNode(current) && Open(Anchored(new SpecMapping(start.Start), start.Anchor));
            case SequenceEnd or MappingEnd:
                open.Remove(stack.Pop().Node);
                return true;
            default:
                return true;
        }
    }

    private bool CountNode(ParsingEvent current) =>
        ++nodes <= limits.MaxYamlNodes ||
        Refuse(current, $"has more than {limits.MaxYamlNodes:N0} YAML nodes; a spec lists a few values per parameter");

    private bool Open(SpecNode node)
    {
        if (stack.Count >= limits.MaxYamlDepth)
        {
            return Refuse(node.Start, $"is nested deeper than {limits.MaxYamlDepth} levels of lists and mappings");
        }

        if (!Place(node))
        {
            return false;
        }

        open.Add(node);
        stack.Push(new Frame(node));
        return true;
    }

    private SpecNode Anchored(SpecNode node, AnchorName anchor)
    {
        if (!anchor.IsEmpty)
        {
            anchors[anchor.Value] = node;
        }

        return node;
    }

    private SpecNode? Resolve(AnchorAlias alias)
    {
        if (++aliases > limits.MaxAliases)
        {
            Refuse(alias, $"uses more than {limits.MaxAliases} aliases (*name)");
            return null;
        }

        if (!anchors.TryGetValue(alias.Value.Value, out var node))
        {
            Refuse(alias, $"the alias *{alias.Value.Value} names no anchor (&{alias.Value.Value}) defined before it");
            return null;
        }

        if (open.Contains(node))
        {
            Refuse(alias, $"the alias *{alias.Value.Value} is inside the node it names, which would make it endless");
            return null;
        }

        return node;
    }

    private bool Place(SpecNode? node)
    {
        if (node is null)
        {
            return false;
        }

        if (stack.Count == 0)
        {
            root = node;
            return true;
        }

        var parent = stack.Peek();
        switch (parent.Node)
        {
            case SpecSequence sequence:
                sequence.Items.Add(node);
                break;
            case SpecMapping mapping when parent.PendingKey is null:
                parent.PendingKey = node;
                break;
            case SpecMapping mapping:
                mapping.Entries.Add(KeyValuePair.Create(parent.PendingKey!, node));
                parent.PendingKey = null;
                break;
        }

        return true;
    }

    private bool Refuse(ParsingEvent at, string message) => Refuse(at.Start, message);

    private bool Refuse(Mark at, string message)
    {
        problems.Add(new SpecProblem(SpecPath, $"{message} (line {at.Line}, column {at.Column})"));
        return false;
    }

    /// <summary>An open list or mapping; a mapping holds its key until the value arrives.</summary>
    private sealed class Frame(SpecNode node)
    {
        public SpecNode Node { get; } = node;

        public SpecNode? PendingKey { get; set; }
    }
}

using System.Globalization;
using System.Text;

namespace Orchestrator.Integration.Tests.Hostile;

/// <summary>
/// The spec cases too big, too regular or too far from text to keep in the data file: spec-cases.yaml names the
/// kind and its parameters, this makes the bytes. Deep and aliased structures sit where the parser must read them
/// (a parameter's values, the seeds), so a parser without limits answers about that key, not about "(spec)".
/// </summary>
public static class HostileSpecs
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\n";

    public static byte[] Generate(IReadOnlyDictionary<string, string> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        int Number(string key) => int.Parse(parameters[key], CultureInfo.InvariantCulture);
        return parameters["kind"] switch
        {
            "deep-flow" => Text(Head + "parameters:\n  batch_size: " + new string('[', Number("depth")) + "16" + new string(']', Number("depth")) + "\n"),
            // "- - - 16" nests block sequences on one line: two characters per level.
            "deep-block" => Text(Head + "parameters:\n  batch_size:\n    " + string.Concat(Enumerable.Repeat("- ", Number("depth"))) + "16\n"),
            "deep-mapping" => Text(Head + "parameters:\n" + DeepMapping(Number("depth"))),
            "alias-bomb" => Text(Head + "seeds: " + AliasBomb(Number("levels"), Number("fanout")) + "\n"),
            "many-aliases" => Text(Head + "seeds: [&s 1" + string.Concat(Enumerable.Repeat(", *s", Number("count"))) + "]\n"),
            "many-nodes" => Text(Head + "seeds: [" + string.Join(", ", Enumerable.Range(0, Number("count"))) + "]\n"),
            "many-problems" => Text("name: s\ndataset: {format: synthetic}\nencoders: [" + string.Join(", ", Enumerable.Range(0, Number("count")).Select(i => $"nope{i}")) + "]\n"),
            "padded" => Padded(Number("bytes")),
            "garbage" => Garbage(Number("bytes"), Number("seed")),
            "garbage-text" => Text(GarbageText(Number("characters"), Number("seed"))),
            "invalid-utf8" => [.. Encoding.UTF8.GetBytes("name: s"), 0xFF, 0xFE, 0xC0, 0x80, .. Encoding.UTF8.GetBytes("\ndataset: {format: synthetic}\nencoders: [resnet18]\n")],
            "nul-key" => Text(Head + "na\0me: x\n"),
            var kind => throw new InvalidDataException($"no generator for kind '{kind}'"),
        };
    }

    private static byte[] Text(string text) => Encoding.UTF8.GetBytes(text);

    private static string DeepMapping(int depth)
    {
        var text = new StringBuilder();
        for (var level = 0; level < depth; level++)
        {
            text.Append(' ', 2 * (level + 1)).Append(CultureInfo.InvariantCulture, $"k{level}:\n");
        }

        return text.Append(' ', 2 * (depth + 1)).Append("16\n").ToString();
    }

    /// <summary>`[&amp;a0 [lol, …], &amp;a1 [*a0, …], …]`: the last list stands for fanout^levels "lol"s once aliases are expanded.</summary>
    private static string AliasBomb(int levels, int fanout)
    {
        var lists = new List<string> { "&a0 [" + string.Join(", ", Enumerable.Repeat("lol", fanout)) + "]" };
        for (var level = 1; level < levels; level++)
        {
            lists.Add($"&a{level} [" + string.Join(", ", Enumerable.Repeat($"*a{level - 1}", fanout)) + "]");
        }

        return "[" + string.Join(", ", lists) + "]";
    }

    /// <summary>A valid spec padded with comment lines to <paramref name="size"/> bytes: only its size is wrong.</summary>
    private static byte[] Padded(int size)
    {
        var text = new StringBuilder(Head, size + 1024);
        var line = "# " + new string('x', 1021) + "\n";
        while (text.Length + line.Length <= size)
        {
            text.Append(line);
        }

        return Text(text.ToString());
    }

    /// <summary>Valid UTF-8 of random characters (controls and NUL among them, no surrogates): text that reaches the YAML parser.</summary>
    private static string GarbageText(int length, int seed)
    {
#pragma warning disable CA5394 // Reproducible garbage, not security.
        var random = new Random(seed);
        return string.Create(length, random, (span, r) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                char c;
                do
                {
                    c = (char)r.Next(0, 0x10000);
                }
                while (char.IsSurrogate(c));
                span[i] = c;
            }
        });
#pragma warning restore CA5394
    }

    private static byte[] Garbage(int size, int seed)
    {
        var bytes = new byte[size];
#pragma warning disable CA5394 // Reproducible garbage, not security.
        new Random(seed).NextBytes(bytes);
#pragma warning restore CA5394
        return bytes;
    }
}

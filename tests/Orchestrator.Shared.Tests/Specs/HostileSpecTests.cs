using System.Diagnostics;
using System.Text;
using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>
/// Every hostile or mistaken spec is refused with problems naming where and what, quickly, and with messages a
/// client can show: nothing throws but <see cref="SpecValidationException"/>, nothing echoes a value unbounded.
/// </summary>
public sealed class HostileSpecTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\n";

    /// <summary>Generous for a test machine shared by several builds; each of these takes milliseconds alone.</summary>
    private static readonly TimeSpan Quick = TimeSpan.FromSeconds(1);

    [Theory]
    [MemberData(nameof(HostileSpecs.All), MemberType = typeof(HostileSpecs))]
    public void Hostile_spec_is_refused_with_the_path_and_a_printable_bounded_message(string why, string yaml, string path, string message)
    {
        var problems = Refused(yaml);

        Assert.True(
            problems.Any(p => p.Path.StartsWith(path, StringComparison.Ordinal) && p.Message.Contains(message, StringComparison.Ordinal)),
            $"{why}: expected a problem at '{path}' containing '{message}', got:{Environment.NewLine}{string.Join(Environment.NewLine, problems)}");
        Assert.All(problems, p => Assert.True(p.Path.Length <= 200 && p.Message.Length <= 1_000, $"{why}: too long: {p}"));
        Assert.All(problems, p => Assert.DoesNotContain(p.ToString(), c => char.IsControl(c) || char.IsSurrogate(c)));
    }

    [Fact]
    public void A_10_megabyte_spec_is_refused_by_its_size_before_it_is_read()
    {
        var yaml = Head + "description: " + new string('x', 10 * 1024 * 1024) + "\n";

        var problem = Assert.Single(Refused(yaml));

        Assert.Equal("(spec)", problem.Path);
        Assert.Contains("larger than the limit of 1,048,576 bytes", problem.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Size_counts_utf8_bytes_not_characters()
    {
        var limits = SweepLimits.Default with { MaxSpecBytes = 200 };
        var yaml = Head + "description: " + new string('é', 80) + "\n"; // 234 bytes in 154 characters

        Assert.Contains("larger than the limit of 200 bytes", Assert.Single(Refused(yaml, limits)).Message, StringComparison.Ordinal);
        Assert.Single(SweepSpecParser.Parse(Head + "description: " + new string('é', 40) + "\n", limits).Jobs);
    }

    [Fact]
    public void A_billion_laughs_alias_bomb_is_refused_by_the_alias_count()
    {
        var problem = Assert.Single(Refused(AliasBomb(levels: 10, width: 10, under: "description")));

        Assert.Equal("(spec)", problem.Path);
        Assert.Contains("more than 100 aliases", problem.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("description", "description", "expected a non-empty text value")]
    [InlineData("name", "name", "expected a non-empty text value")]
    [InlineData("encoders", "encoders[0]", "expected a name, got a list")]
    [InlineData("seeds", "seeds[0]", "expected a whole number, got a list")]
    [InlineData("parameters:\n  batch_size", "parameters.batch_size[0]", "expected a single value, got a list")]
    [InlineData("parameters:\n  pretrained", "parameters.pretrained[0]", "expected a single value, got a list")]
    public void An_alias_bomb_under_the_alias_cap_is_never_expanded(string at, string path, string message)
    {
        // 9 levels of 9 aliases each: 81 references that would expand to 9^9 (387 million) scalars.
        var problems = Refused(AliasBomb(levels: 9, width: 9, under: at));

        Assert.Contains(problems, p => p.Path == path && p.Message.Contains(message, StringComparison.Ordinal));
    }

    [Fact]
    public void Binary_garbage_is_refused_as_not_text()
    {
        var bytes = new byte[64 * 1024];
        new Random(15).NextBytes(bytes);

        foreach (var text in new[] { Encoding.UTF8.GetString(bytes), Encoding.Latin1.GetString(bytes) })
        {
            var problem = Assert.Single(Refused(text));

            Assert.Equal("(spec)", problem.Path);
            Assert.Contains("is not a text spec: line", problem.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Description_may_hold_tabs_and_line_breaks()
    {
        var parsed = SweepSpecParser.Parse(Head + "description: \"first\\tline\\r\\nsecond line\"\n");

        Assert.Equal("first\tline\r\nsecond line", parsed.Spec.Description);
    }

    [Fact]
    public void One_document_with_its_markers_and_aliases_between_its_own_nodes_is_accepted()
    {
        const string yaml = "---\nname: s\ndataset: {format: synthetic}\nencoders: &towers [resnet18, googlenet]\n" +
                            "parameters:\n  batch_size: &size [16, 32]\n  projection_dim: *size\n...\n";

        var jobs = SweepSpecParser.Parse(yaml).Jobs;

        Assert.Equal(8, jobs.Count);
        Assert.All(jobs, j => Assert.Contains(j.Parameters.ProjectionDim, new[] { 16, 32 }));
    }

    [Fact]
    public void Limits_are_configurable()
    {
        var limits = SweepLimits.Default;

        Assert.Contains("nested deeper than 2", Assert.Single(Refused(Head + "parameters: {pretrained: {image: false}}\n", limits with { MaxYamlDepth = 2 })).Message, StringComparison.Ordinal);
        Assert.Contains("more than 0 aliases", Assert.Single(Refused(Head + "description: &d s\nx: *d\n", limits with { MaxAliases = 0 })).Message, StringComparison.Ordinal);
        Assert.Contains("more than 12 YAML nodes", Assert.Single(Refused(Head + "seeds: [1, 2, 3]\n", limits with { MaxYamlNodes = 12 })).Message, StringComparison.Ordinal);
        Assert.Equal("description", Assert.Single(Refused(Head + "description: sixsix\n", limits with { MaxTextLength = 5 })).Path);
    }

    [Fact]
    public void The_worst_inputs_are_each_refused_within_a_second()
    {
        var inputs = new[]
        {
            Head + "description: " + new string('x', 10 * 1024 * 1024) + "\n",
            new string('[', 100_000) + new string(']', 100_000),
            string.Concat(Enumerable.Repeat("- ", 100_000)) + "x\n",
            new string('{', 100_000),
            AliasBomb(levels: 10, width: 10, under: "description"),
            AliasBomb(levels: 9, width: 9, under: "parameters:\n  batch_size"),
            Encoding.Latin1.GetString(Enumerable.Range(0, 500_000).Select(i => (byte)(i * 7919)).ToArray()),
        };
        SweepSpecParser.Parse(Head); // warm up

        foreach (var input in inputs)
        {
            var clock = Stopwatch.StartNew();
            Refused(input);
            Assert.True(clock.Elapsed < Quick, $"took {clock.Elapsed.TotalMilliseconds:F0} ms on {input[..Math.Min(40, input.Length)]}…");
        }
    }

    [Fact]
    public void Mutated_specs_either_parse_or_are_refused_never_throw_anything_else()
    {
        const string valid = "name: s\ndescription: \"a b\"\ndataset: {format: synthetic, synthetic_images: 40}\nencoders: &e [resnet18, tiny_cnn]\n" +
                             "method: random\ncount: 3\nseeds: [0, 1]\nparameters:\n  batch_size: {min: 8, max: 64}\n  head_lr: {min: 1e-4, max: 1e-2, log: true}\n" +
                             "  pretrained: [false, {image: /w.pth, text: false}]\n  loss: [study, infonce]\n";
        const string alphabet = "[]{}:,-&*!|>'\"#%@`?\n\t 0123456789.e-+xyz\\";
        var random = new Random(15);

        for (var i = 0; i < 1_500; i++)
        {
            var text = new StringBuilder(valid);
            for (var edit = random.Next(1, 6); edit > 0; edit--)
            {
                var at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, 1); break;
                    case 1: text.Insert(at, alphabet[random.Next(alphabet.Length)]); break;
                    default: text[at] = alphabet[random.Next(alphabet.Length)]; break;
                }
            }

            var thrown = Record.Exception(() => SweepSpecParser.Parse(text.ToString()));

            Assert.True(thrown is null or SpecValidationException, $"{thrown?.GetType().Name} on:{Environment.NewLine}{text}{Environment.NewLine}{thrown}");
        }
    }

    /// <summary>
    /// The classic bomb: l0 is a scalar, each next level a list of <paramref name="width"/> aliases of the one
    /// before, and the key <paramref name="under"/> holds the last level but one; the chain itself sits under an
    /// unknown key, because anchors must come before their aliases.
    /// </summary>
    internal static string AliasBomb(int levels, int width, string under)
    {
        var chain = new List<string> { "&l0 lol" };
        for (var level = 1; level <= levels; level++)
        {
            chain.Add($"&l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", width))}]");
        }

        var head = new[] { "name: s", "dataset: {format: synthetic}", "encoders: [resnet18]" }
            .Where(line => !line.StartsWith(under + ":", StringComparison.Ordinal));
        return $"x-bomb: [{string.Join(", ", chain)}]\n{string.Join("\n", head)}\n{under}: [*l{levels - 1}]\n";
    }

    private static IReadOnlyList<SpecProblem> Refused(string yaml, SweepLimits? limits = null) =>
        Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(yaml, limits)).Problems;
}

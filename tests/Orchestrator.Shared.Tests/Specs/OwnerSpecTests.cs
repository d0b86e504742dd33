using Orchestrator.Shared.Specs;

namespace Orchestrator.Shared.Tests.Specs;

/// <summary>`owner:` — a printable word or name shown on the dashboard; specs without one keep their canonical JSON.</summary>
public sealed class OwnerSpecTests
{
    private const string Head = "name: s\ndataset: {format: synthetic}\nencoders: [resnet18]\n";

    [Fact]
    public void An_owner_is_kept_in_the_canonical_json_and_a_spec_without_one_writes_no_owner_key()
    {
        var owned = SweepSpecParser.Parse(Head + "owner: vision-team\n").Spec;
        var plain = SweepSpecParser.Parse(Head).Spec;

        Assert.Equal("vision-team", owned.Owner);
        Assert.Contains("\"owner\":\"vision-team\"", owned.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Null(plain.Owner);
        Assert.DoesNotContain("owner", plain.ToCanonicalJson(), StringComparison.Ordinal);
        Assert.Equal(owned.ToCanonicalJson(), SweepSpecParser.Parse(owned.ToCanonicalJson()).Spec.ToCanonicalJson());
    }

    [Theory]
    [InlineData("owner: [a, b]\n", "owner")]
    [InlineData("owner: \"line\\nbreak\"\n", "owner")]
    [InlineData("owner: \"nul\\0\"\n", "owner")]
    public void A_bad_owner_is_refused_naming_the_key(string line, string path)
    {
        var refusal = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(Head + line));

        Assert.Contains(refusal.Problems, p => p.Path == path);
    }

    [Fact]
    public void An_owner_longer_than_a_word_is_refused()
    {
        var refusal = Assert.Throws<SpecValidationException>(() => SweepSpecParser.Parse(Head + "owner: " + new string('o', SpecNodeReader.MaxWordLength + 1) + "\n"));

        Assert.Contains(refusal.Problems, p => p.Path == "owner");
    }
}

using Orchestrator.Shared.Suggestions;

namespace Orchestrator.Shared.Tests.Suggestions;

/// <summary>The did-you-mean both command lines and the spec parser give.</summary>
public sealed class NearestNameTests
{
    private static readonly string[] Known = ["--devices", "--data-root", "--token", "-h", "-?", "agent", "train", "bench"];

    [Theory]
    [InlineData("--devics", "--devices")]
    [InlineData("--dat-root", "--data-root")]
    [InlineData("trian", "train")]
    [InlineData("bnech", "bench")]
    public void A_typo_of_an_option_or_command_suggests_the_name_meant(string typed, string meant) =>
        Assert.Equal(meant, NearestName.AmongCommandLine(typed, Known));

    [Theory]
    [InlineData("3")] // a stray value is no typo of `-h` or `-?`
    [InlineData("--coordinator")] // no known option is close
    [InlineData("--t")] // an option-like token is never taken for a command word, nor a short alias
    public void A_token_near_nothing_known_gets_no_suggestion(string typed) =>
        Assert.Null(NearestName.AmongCommandLine(typed, Known));

    [Fact]
    public void A_misspelt_option_the_parser_took_as_a_value_is_a_mistake_with_its_suggestion()
    {
        var mistakes = new CommandLineMistakes([], [], ["spec.yaml", "--wach"]);
        var error = new StringWriter();

        mistakes.Report(error, "orch", "submit", ["--watch", "--new"]);

        Assert.True(mistakes.Any);
        Assert.Equal(
            ["orch: '--wach' is not an option here", "orch: '--wach': did you mean '--watch'?", "Try `orch submit --help`."],
            error.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void A_command_line_the_parser_understood_is_no_mistake() =>
        Assert.False(new CommandLineMistakes([], [], ["spec.yaml", "-1"]).Any);
}

using Orchestrator.Coordinator.Auth;

namespace Orchestrator.Coordinator.Tests.Auth;

/// <summary>The read-only viewer role: read from the tokens file, kept apart from the other roles, and the web session values derived from tokens.</summary>
public sealed class ViewerTokenTests
{
    [Fact]
    public void The_tokens_file_gives_viewer_lines_their_own_role()
    {
        var problems = new List<string>();
        var (workers, clients, viewers) = TokensFile.Parse("tokens", "worker w1\nclient c1\n# a comment\nviewer v1\nVIEWER v2\n", problems);
        var set = TokenSet.TryCreate(workers, clients, viewers, out var setProblems);

        Assert.Empty(problems);
        Assert.Empty(setProblems);
        Assert.Equal(2, set!.ViewerCount);
        Assert.Equal(CallerRole.Viewer, set.RoleOf("v1"));
        Assert.Equal(CallerRole.Viewer, set.RoleOf("v2"));
        Assert.Equal(CallerRole.Client, set.RoleOf("c1"));
        Assert.Equal(CallerRole.Worker, set.RoleOf("w1"));
    }

    [Theory]
    [InlineData("worker same\nclient c\nviewer same\n", "worker token (tokens line 1) and as a viewer token (tokens line 3)")]
    [InlineData("worker w\nclient same\nviewer same\n", "client token (tokens line 2) and as a viewer token (tokens line 3)")]
    public void A_token_in_two_roles_is_refused_naming_both_lines(string file, string named)
    {
        var problems = new List<string>();
        var (workers, clients, viewers) = TokensFile.Parse("tokens", file, problems);

        Assert.Null(TokenSet.TryCreate(workers, clients, viewers, out var setProblems));
        Assert.Contains(setProblems, p => p.Contains(named, StringComparison.Ordinal));
    }

    [Fact]
    public void A_session_value_names_its_tokens_role_and_is_neither_the_token_nor_valid_for_another()
    {
        var set = TokenSet.TryCreate([("w", "config")], [("c", "config")], [("v", "config")], out _)!;

        Assert.Equal(CallerRole.Viewer, set.RoleOfSession(TokenSet.SessionOf("v")));
        Assert.Equal(CallerRole.Client, set.RoleOfSession(TokenSet.SessionOf("c")));
        Assert.Null(set.RoleOfSession(TokenSet.SessionOf("not-a-token")));
        Assert.Null(set.RoleOf(Convert.ToHexStringLower(TokenSet.SessionOf("c")))); // a cookie's value is no bearer token
        Assert.Equal(32, TokenSet.SessionOf("c").Length);
    }
}

using Orchestrator.Coordinator.Auth;

namespace Orchestrator.Coordinator.Tests.Auth;

/// <summary>The dashboard forms' anti-forgery value: derived from the session's token, so it outlives a restart and differs per token.</summary>
public sealed class FormTokenTests
{
    [Fact]
    public void The_form_token_of_a_session_is_the_same_after_a_restart_differs_per_token_and_is_not_the_session_value()
    {
        var beforeRestart = TokenSet.TryCreate([("w", "config")], [("c1", "config"), ("c2", "config")], [("v", "config")], out _)!;
        var afterRestart = TokenSet.TryCreate([("w", "config")], [("c1", "config"), ("c2", "config")], [("v", "config")], out _)!;
        var session = TokenSet.SessionOf("c1");

        var token = beforeRestart.FormTokenOfSession(session);

        Assert.NotNull(token);
        Assert.Equal(32, token.Length);
        Assert.Equal(token, afterRestart.FormTokenOfSession(session));
        Assert.NotEqual(token, beforeRestart.FormTokenOfSession(TokenSet.SessionOf("c2")));
        Assert.NotEqual(session, token);
        Assert.Null(beforeRestart.FormTokenOfSession(TokenSet.SessionOf("rotated-out")));
    }
}

namespace Orchestrator.Coordinator.Tests.Web.Browser;

/// <summary>
/// The browser tests run one at a time and not beside the assembly's other tests: each drives a Chromium and a
/// coordinator, and the 2-s bound on live updates is about the dashboard, not about a 2-core machine shared with them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class BrowserTestsRunAlone
{
    public const string Name = "Browser";
}

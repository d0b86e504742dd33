using System.CommandLine;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Testing;

namespace Orchestrator.Coordinator.Tests.Cli;

/// <summary>Every `orch` command answers --help and refuses a misspelt option with a did-you-mean.</summary>
public sealed class OrchCommandLineConventionTests : CommandLineConventionTests
{
    protected override RootCommand CreateRoot() => OrchCli.CreateRoot();

    protected override Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) =>
        OrchCli.RunAsync(args, new InvocationConfiguration { Output = output, Error = error });
}

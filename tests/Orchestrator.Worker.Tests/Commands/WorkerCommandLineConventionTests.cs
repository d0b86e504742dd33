using System.CommandLine;
using Orchestrator.Testing;
using Orchestrator.Worker.Commands;

namespace Orchestrator.Worker.Tests.Commands;

/// <summary>Every `orch-worker` command answers --help and refuses a misspelt option with a did-you-mean.</summary>
public sealed class WorkerCommandLineConventionTests : CommandLineConventionTests
{
    protected override RootCommand CreateRoot() => WorkerCli.CreateRoot();

    protected override Task<int> RunAsync(string[] args, TextWriter output, TextWriter error) => Task.FromResult(WorkerCli.Run(args, output, error));
}

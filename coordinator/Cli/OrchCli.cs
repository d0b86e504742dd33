using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;
using Orchestrator.Shared.Suggestions;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orch`: the command line users drive the system with.</summary>
public static class OrchCli
{
    public const string Program = "orch";

    public static RootCommand CreateRoot()
    {
        var common = new CommonOptions();
        var root = new RootCommand("orch: run CLIP encoder sweeps across GPU machines and compare the results.\n" +
                                   "Start with `orch demo`, or `orch serve` and `orch submit examples/demo.yaml --watch`.");
        common.AddTo(root);
        root.Subcommands.Add(ServeCommand.Create());
        root.Subcommands.Add(SweepCommands.Submit(common));
        root.Subcommands.Add(StatusCommands.Status(common));
        root.Subcommands.Add(StatusCommands.Jobs(common));
        root.Subcommands.Add(StatusCommands.Job(common));
        root.Subcommands.Add(StatusCommands.Workers(common));
        root.Subcommands.Add(ResultsCommand.Create(common));
        root.Subcommands.Add(SweepCommands.Cancel(common));
        root.Subcommands.Add(SweepCommands.Retry(common));
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(HealthCommand.Create(common));
        root.Subcommands.Add(BenchCommands.Queue());
        root.Subcommands.Add(BenchCommands.Results());
        root.Subcommands.Add(BenchCommands.Dashboard());
        return root;
    }

    /// <summary>Parses and runs a command line; a wrong one is refused with exit code 2 before anything runs.</summary>
    /// <param name="args">the command line</param>
    /// <param name="console">where help and usage errors go (default: the process's own output and error)</param>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? console = null)
    {
        console ??= new InvocationConfiguration();
        var parse = CreateRoot().Parse(args);
        var mistakes = new CommandLineMistakes(parse.Errors.Select(e => e.Message), parse.UnmatchedTokens, parse.Tokens.Where(t => t.Type == TokenType.Argument).Select(t => t.Value));
        if (!mistakes.Any)
        {
            return await parse.InvokeAsync(console);
        }

        // Only the parser knows what it would have accepted where the mistake stands: the command's options, its parents' recursive ones, its subcommands.
        mistakes.Report(
            console.Error,
            Program,
            parse.CommandResult.Parent is null ? null : parse.CommandResult.Command.Name,
            [.. parse.CommandResult.Command.GetCompletions(CompletionContext.Empty).Select(c => c.Label)]);
        return ExitCode.Usage;
    }
}

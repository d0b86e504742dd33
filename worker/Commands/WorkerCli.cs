using System.CommandLine;
using System.CommandLine.Completions;
using System.CommandLine.Parsing;
using Orchestrator.Shared.Suggestions;
using Orchestrator.Worker.Agent;

namespace Orchestrator.Worker.Commands;

/// <summary>`orch-worker`: the agent that serves a coordinator (also without a command word), and the commands that run the engine alone.</summary>
public static class WorkerCli
{
    public const string Program = "orch-worker";

    // Signals and exceptions stay the process's own, as before this parser: the agent's host drains on SIGTERM for
    // its full grace, a trainer the agent stops dies of the signal, and a crash is a crash (the agent retries it).
    private static InvocationConfiguration Console(TextWriter output, TextWriter error) =>
        new() { Output = output, Error = error, EnableDefaultExceptionHandler = false, ProcessTerminationTimeout = null };

    public static RootCommand CreateRoot()
    {
        var root = new RootCommand("orch-worker: train CLIP encoder jobs for an `orch` coordinator, or on their own.\n" + AgentCommand.Description);
        AgentCommand.AddTo(root);
        root.Subcommands.Add(AgentCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        root.Subcommands.Add(InspectWeightsCommand.Create());
        root.Subcommands.Add(WeightsCommand.Create());
        return root;
    }

    /// <summary>Parses and runs a command line; a wrong one is refused with exit code 2 before anything runs.</summary>
    public static int Run(IReadOnlyList<string> args, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var parse = CreateRoot().Parse(args);
        var mistakes = new CommandLineMistakes(parse.Errors.Select(e => e.Message), parse.UnmatchedTokens, parse.Tokens.Where(t => t.Type == TokenType.Argument).Select(t => t.Value));
        if (!mistakes.Any)
        {
            return parse.Invoke(Console(output, error));
        }

        // Only the parser knows what it would have accepted where the mistake stands: the command's options, its parents' recursive ones, its subcommands.
        mistakes.Report(
            error,
            Program,
            parse.CommandResult.Parent is null ? null : parse.CommandResult.Command.Name,
            [.. parse.CommandResult.Command.GetCompletions(CompletionContext.Empty).Select(c => c.Label)]);
        return TrainerExitCode.Usage;
    }
}

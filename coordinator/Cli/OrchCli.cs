using System.CommandLine;

namespace Orchestrator.Coordinator.Cli;

/// <summary>`orch`: the command line users drive the system with.</summary>
public static class OrchCli
{
    public static async Task<int> RunAsync(string[] args)
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

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors)
            {
                Console.Error.WriteLine("orch: " + error.Message);
            }

            Console.Error.WriteLine("Try `orch --help`.");
            return ExitCode.Usage;
        }

        return await parse.InvokeAsync();
    }
}

using Orchestrator.Coordinator.Benchmarks;
using Orchestrator.Coordinator.Cli;

// `orch`: every command, the coordinator itself (`orch serve`) included, goes through the command line.
if (args is ["bench-results", .. var benchOptions])
{
    await ResultsBenchmark.RunAsync(benchOptions);
    return 0;
}

return await OrchCli.RunAsync(args);

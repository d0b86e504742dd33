using Orchestrator.Coordinator.Benchmarks;
using Orchestrator.Coordinator.Cli;

// `orch`: every command, the coordinator itself (`orch serve`) included, goes through the command line.
// The two benchmarks are developer tools, kept out of the user-facing command list.
if (args is ["bench", .. var queueOptions])
{
    await QueueBenchmark.RunAsync(queueOptions);
    return 0;
}

if (args is ["bench-results", .. var resultsOptions])
{
    await ResultsBenchmark.RunAsync(resultsOptions);
    return 0;
}

return await OrchCli.RunAsync(args);

using Orchestrator.Coordinator.Cli;

// `orch`: every command, the coordinator itself (`orch serve`) and the benchmarks included, goes through the command line.
return await OrchCli.RunAsync(args);

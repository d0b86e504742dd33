using Orchestrator.Worker.Commands;

// `orch-worker train|bench|inspect-weights …` run the engine alone; `orch-worker [agent] --coordinator …` serves a coordinator.
return WorkerCli.Run(args, Console.Out, Console.Error);

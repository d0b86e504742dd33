using Orchestrator.Worker.Agent;
using TorchSharp;

// Until the trainer's commands are wired here, `train`/`check` are the engine's; everything else runs the agent.
if (args is ["check", ..])
{
    Console.WriteLine($"orch-worker: TorchSharp backend ready, {torch.randn(2, 2).sum().item<float>():F3}");
    return 0;
}

return await AgentHost.RunAsync(args);

using Orchestrator.Worker.Commands;
using TorchSharp;

if (args is [InspectWeightsCommand.Name, ..])
{
    return InspectWeightsCommand.Run(args[1..], Console.Out);
}

Console.WriteLine($"orch-worker: TorchSharp backend ready, {torch.randn(2, 2).sum().item<float>():F3}");
return 0;

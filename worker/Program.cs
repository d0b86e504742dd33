using Orchestrator.Worker.Agent;
using Orchestrator.Worker.Commands;

// `orch-worker train|bench|inspect-weights …` run the engine alone; options only run the agent that serves a coordinator.
return args.FirstOrDefault() switch
{
    "train" => TrainCommand.Run(args.Skip(1), Console.Out, Console.Error),
    "bench" => BenchCommand.Run(args.Skip(1), Console.Out, Console.Error),
    InspectWeightsCommand.Name => InspectWeightsCommand.Run(args[1..], Console.Out),
    "agent" => await AgentHost.RunAsync(args[1..]),
    null or ['-', '-', ..] when args is not ["--help"] => await AgentHost.RunAsync(args),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: orch-worker [agent] --coordinator URL[,URL…] --token T [--devices cuda:0,cuda:1 | --slots N] [--name NAME]");
    Console.Error.WriteLine("                   [--checkpoint-root DIR] [--data-root DIR] [--weights-dir DIR] [--state-dir DIR]");
    Console.Error.WriteLine("       orch-worker train --job JOB.yaml --out DIR [--device cpu|cuda] [--weights-dir DIR] [--data-root DIR] [--resume] [--threads N] [--image-cache DIR]");
    Console.Error.WriteLine("       orch-worker bench [--encoders a,b] [--size 224] [--batch 16] [--steps 3] [--threads N] [--device cpu|cuda]");
    Console.Error.WriteLine("       orch-worker bench --decode --images DIR [--count N] [--sizes 64,96,224] [--resize squash|center-crop] [--threads N] [--rounds 2]");
    Console.Error.WriteLine("       orch-worker inspect-weights --encoder NAME --weights PATH");
    return 2;
}

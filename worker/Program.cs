using Orchestrator.Worker.Cli;

return args.FirstOrDefault() switch
{
    "train" => TrainCommand.Run(args.Skip(1), Console.Out, Console.Error),
    "bench" => BenchCommand.Run(args.Skip(1), Console.Out, Console.Error),
    _ => Usage(),
};

static int Usage()
{
    Console.Error.WriteLine("usage: orch-worker train --job JOB.yaml --out DIR [--device cpu|cuda] [--resume] [--threads N]");
    Console.Error.WriteLine("       orch-worker bench [--encoders a,b] [--size 224] [--batch 16] [--steps 3] [--threads N] [--device cpu|cuda]");
    return 2;
}

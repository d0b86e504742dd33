using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>
/// LibTorch threads for the two halves of a CPU training step: the forward and backward passes, and the optimizer.
/// </summary>
/// <remarks>
/// They differ where the operations are small. LibTorch forks its thread team for every convolution, BatchNorm and
/// pooling call whatever its size, and at 32 px and batch 2 the fork and join cost more than the second thread saves:
/// GoogLeNet's forward and backward took 34 ms on one thread against 47 on two, while its optimizer, a few passes over
/// megabyte buffers, still ran nearly twice as fast on two. <see cref="StepThreadCalibration"/> measures which holds.
/// </remarks>
public sealed record StepThreads(int ForwardBackward, int Optimizer)
{
    public static StepThreads All(int threads) => new(threads, threads);

    [System.Text.Json.Serialization.JsonIgnore]
    public bool Split => ForwardBackward != Optimizer;

    /// <summary>Switches LibTorch to <paramref name="threads"/> unless it runs that many already.</summary>
    public static void Use(int threads)
    {
        if (get_num_threads() != threads)
        {
            set_num_threads(threads);
        }
    }

    public override string ToString() => Split
        ? $"forward and backward on {ForwardBackward} thread{(ForwardBackward == 1 ? "" : "s")}, the optimizer on {Optimizer}"
        : $"{Optimizer} thread{(Optimizer == 1 ? "" : "s")} throughout";
}

using System.Text.Json;
using Orchestrator.Worker.Engine.Clip;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Engine.Training;

/// <summary>Everything besides tensors that a resumed run needs to continue exactly where the last one stopped.</summary>
public sealed record CheckpointState(
    string JobKey,
    int Epoch,
    double SchedulerBest,
    int SchedulerBadEpochs,
    IReadOnlyList<double> LearningRates,
    double BestValLoss,
    int BestEpoch,
    IReadOnlyList<EpochSummary> History);

/// <summary>
/// The last checkpoint (model, optimiser, scheduler, epoch, torch RNG) written after every epoch, and the
/// model of the best validation loss. A checkpoint is written beside the old one and then swapped in, so a
/// crash mid-write leaves the previous checkpoint intact.
/// </summary>
public sealed class CheckpointStore(string directory)
{
    private const string ModelFile = "model.dat";
    private const string OptimizerFile = "adamw.dat";

    // TorchSharp's AdamW state, which checkpoints written before FlatAdamW hold instead.
    private const string TorchSharpOptimizerFile = "optimizer.dat";
    private const string RngFile = "rng.bin";
    private const string StateFile = "state.json";

    public string LastDirectory => Path.Combine(directory, "last");

    public string BestDirectory => Path.Combine(directory, "best");

    public bool HasLast => File.Exists(Path.Combine(LastDirectory, StateFile));

    public void SaveLast(ClipModel model, FlatAdamW optimizer, CheckpointState state, bool isBest)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var staging = Path.Combine(directory, "last.tmp");
        RecreateDirectory(staging);
        model.save(Path.Combine(staging, ModelFile));
        optimizer.Save(Path.Combine(staging, OptimizerFile));
        using (var rng = random.get_rng_state())
        {
            File.WriteAllBytes(Path.Combine(staging, RngFile), rng.data<byte>().ToArray());
        }

        File.WriteAllText(Path.Combine(staging, StateFile), JsonSerializer.Serialize(state, EngineJson.Indented));
        Swap(staging, LastDirectory);

        if (isBest)
        {
            var bestStaging = Path.Combine(directory, "best.tmp");
            RecreateDirectory(bestStaging);
            File.Copy(Path.Combine(LastDirectory, ModelFile), Path.Combine(bestStaging, ModelFile));
            File.Copy(Path.Combine(LastDirectory, StateFile), Path.Combine(bestStaging, StateFile));
            Swap(bestStaging, BestDirectory);
        }
    }

    /// <summary>Loads the last checkpoint into the model and optimiser and restores the RNG; returns its state.</summary>
    public CheckpointState LoadLast(ClipModel model, FlatAdamW optimizer)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        var state = JsonSerializer.Deserialize<CheckpointState>(File.ReadAllText(Path.Combine(LastDirectory, StateFile)), EngineJson.Options)
            ?? throw new InvalidDataException($"{LastDirectory}: empty checkpoint state");
        model.load(Path.Combine(LastDirectory, ModelFile));
        var optimizerFile = Path.Combine(LastDirectory, OptimizerFile);
        if (File.Exists(optimizerFile))
        {
            optimizer.Load(optimizerFile);
        }
        else
        {
            optimizer.LoadTorchSharpState(Path.Combine(LastDirectory, TorchSharpOptimizerFile));
        }

        using var rng = tensor(File.ReadAllBytes(Path.Combine(LastDirectory, RngFile)), dtype: ScalarType.Byte);
        random.set_rng_state(rng);
        return state;
    }

    private static void RecreateDirectory(string path)
    {
        if (Directory.Exists(path))
        {
            Directory.Delete(path, recursive: true);
        }

        Directory.CreateDirectory(path);
    }

    private static void Swap(string staging, string target)
    {
        var old = target + ".old";
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }

        if (Directory.Exists(target))
        {
            Directory.Move(target, old);
        }

        Directory.Move(staging, target);
        if (Directory.Exists(old))
        {
            Directory.Delete(old, recursive: true);
        }
    }
}

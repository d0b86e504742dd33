using System.Globalization;
using Orchestrator.Shared.Configuration;

namespace Orchestrator.Worker.Commands;

/// <summary>
/// Test hook, off unless its variables are set: after epoch N is checkpointed and reported, the trainer writes
/// <see cref="MarkerFile"/> into its output folder and waits until the release file exists. End-to-end tests
/// signal, kill or cancel a trainer held at a known epoch instead of racing a running one, so what they see does
/// not depend on the machine's speed. The marker lives in each trainer's own folder, so a test can count several.
/// </summary>
public sealed class TrainerHold
{
    /// <summary>Written into the output folder once the trainer holds; it contains the epoch.</summary>
    public const string MarkerFile = "held";

    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(50);
    private readonly int afterEpoch;
    private readonly string releaseFile;
    private readonly string marker;

    private TrainerHold(int afterEpoch, string releaseFile, string marker)
    {
        this.afterEpoch = afterEpoch;
        this.releaseFile = releaseFile;
        this.marker = marker;
    }

    /// <summary>The hold the environment asks for, or null when it asks for none.</summary>
    /// <exception cref="ArgumentException">Only one of the variables is set, or the epoch is not a whole number of 1 or more.</exception>
    public static TrainerHold? FromEnvironment(string outputDirectory)
    {
        var epoch = Environment.GetEnvironmentVariable(EnvironmentVariables.TrainerHoldAfterEpoch);
        var release = Environment.GetEnvironmentVariable(EnvironmentVariables.TrainerHoldReleaseFile);
        if (string.IsNullOrEmpty(epoch) && string.IsNullOrEmpty(release))
        {
            return null;
        }

        if (!int.TryParse(epoch, NumberStyles.None, CultureInfo.InvariantCulture, out var after) || after < 1 || string.IsNullOrEmpty(release))
        {
            throw new ArgumentException($"{EnvironmentVariables.TrainerHoldAfterEpoch} (an epoch, 1 or more) and {EnvironmentVariables.TrainerHoldReleaseFile} (a path) go together; got '{epoch}' and '{release}'");
        }

        return new TrainerHold(after, release, Path.Combine(outputDirectory, MarkerFile));
    }

    /// <summary>Holds after the chosen epoch; returns at once when the release file is already there.</summary>
    public void EpochDone(int epoch)
    {
        if (epoch != afterEpoch)
        {
            return;
        }

        File.WriteAllText(marker, epoch.ToString(CultureInfo.InvariantCulture));
        while (!File.Exists(releaseFile))
        {
            Thread.Sleep(PollInterval);
        }
    }
}

using System.Globalization;
using System.Text.RegularExpressions;
using Orchestrator.Coordinator.Cli;
using Orchestrator.Testing;

namespace Orchestrator.Integration.Tests.Deployment;

/// <summary>Where the deployment files are, and the facts several of them must agree on.</summary>
public static class DeploymentFiles
{
    /// <summary>Where the images and manifests mount the volume shared by workers (checkpoints, datasets).</summary>
    public const string SharedMount = "/var/lib/orchestrator/shared";

    /// <summary>The file the agent touches when a coordinator answers (worker/Agent/CoordinatorContactFile.cs).</summary>
    public const string ContactFile = "/var/lib/orchestrator/worker/coordinator-contact";

    /// <summary>
    /// Shortest time a stopped worker must be given: its host's shutdown grace (60 s, worker/Agent/AgentHost.cs)
    /// plus the trainer's kill grace (10 s), so the job is released rather than lost with the process.
    /// </summary>
    public static readonly TimeSpan WorkerDrain = TimeSpan.FromSeconds(70);

    public static string Root { get; } = RepositoryRoot.Find();

    public static string InRepository(string relativePath) => Path.Combine(Root, relativePath);

    /// <summary>The port the coordinator serves on by default, as the command line knows it.</summary>
    public static int CoordinatorPort => new Uri(CliConnection.DefaultAddress).Port;

    /// <summary>Every YAML file under infra/, and the compose file at the root.</summary>
    public static IEnumerable<string> AllYaml() =>
        Directory.EnumerateFiles(InRepository("infra"), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal))
            .Append(InRepository("docker-compose.yml"))
            .Order(StringComparer.Ordinal);

    /// <summary>Seconds in a compose duration (`90s`, `1m30s`) or a plain number of seconds.</summary>
    public static TimeSpan ComposeDuration(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var total = TimeSpan.Zero;
        foreach (Match part in Regex.Matches(text, @"(\d+)(h|m|s)?"))
        {
            var amount = int.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
            total += part.Groups[2].Value switch
            {
                "h" => TimeSpan.FromHours(amount),
                "m" => TimeSpan.FromMinutes(amount),
                _ => TimeSpan.FromSeconds(amount),
            };
        }

        return total;
    }
}

using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Orchestrator.Shared.Configuration;

/// <summary>
/// The tokens of a coordinator started on this machine without configured ones: generated once and kept in
/// ~/.config/orchestrator/local.json (owner-only), so `orch serve` and every other `orch` command and local
/// `orch-worker` agree without the user copying tokens around. A real deployment configures its own.
/// </summary>
public sealed record LocalCredentials
{
    /// <summary>Where a local coordinator listens unless told otherwise.</summary>
    public const string DefaultAddress = "http://127.0.0.1:50051";

    [JsonPropertyName("coordinator")]
    public string Coordinator { get; init; } = DefaultAddress;

    [JsonPropertyName("client_token")]
    public required string ClientToken { get; init; }

    [JsonPropertyName("worker_token")]
    public required string WorkerToken { get; init; }

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static string FilePath
    {
        get
        {
            var xdg = Environment.GetEnvironmentVariable(EnvironmentVariables.XdgConfigHome);
            var root = string.IsNullOrWhiteSpace(xdg) ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".config") : xdg;
            return Path.Combine(root, "orchestrator", "local.json");
        }
    }

    public static LocalCredentials? Load() =>
        File.Exists(FilePath) ? JsonSerializer.Deserialize<LocalCredentials>(File.ReadAllText(FilePath)) : null;

    public static LocalCredentials LoadOrCreate(string coordinator)
    {
        var existing = Load();
        if (existing is not null)
        {
            if (existing.Coordinator != coordinator)
            {
                existing = existing with { Coordinator = coordinator };
                Save(existing);
            }

            return existing;
        }

        var created = new LocalCredentials
        {
            Coordinator = coordinator,
            ClientToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
            WorkerToken = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24)),
        };
        Save(created);
        return created;
    }

    private static void Save(LocalCredentials credentials)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(FilePath)!);
        File.WriteAllText(FilePath, JsonSerializer.Serialize(credentials, Indented));
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(FilePath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
    }
}

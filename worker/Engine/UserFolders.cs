using Orchestrator.Shared.Configuration;

namespace Orchestrator.Worker.Engine;

/// <summary>
/// The worker's per-user folders after the XDG base directory convention, each overridable by its own variable.
/// A user without a home folder (some service accounts) falls back to the temp folder rather than the working
/// directory, which may be read-only data.
/// </summary>
public static class UserFolders
{
    /// <summary>$<paramref name="overrideVariable"/>, else $XDG_CACHE_HOME/orchestrator/NAME, else ~/.cache/orchestrator/NAME.</summary>
    public static string Cache(string name, string overrideVariable) =>
        Explicit(overrideVariable) ?? Path.Combine(Base(EnvironmentVariables.XdgCacheHome, ".cache"), "orchestrator", name);

    /// <summary>$XDG_DATA_HOME/orchestrator, else ~/.local/share/orchestrator.</summary>
    public static string Data() => Path.Combine(Base(EnvironmentVariables.XdgDataHome, Path.Combine(".local", "share")), "orchestrator");

    private static string? Explicit(string variable)
    {
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    private static string Base(string xdgVariable, string underHome)
    {
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return Explicit(xdgVariable)
            ?? (string.IsNullOrWhiteSpace(home) ? Path.GetTempPath() : Path.Combine(home, underHome));
    }
}

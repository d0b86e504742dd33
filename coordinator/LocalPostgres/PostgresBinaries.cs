using System.Diagnostics;
using System.Globalization;

namespace Orchestrator.LocalPostgres;

/// <summary>The directory holding an installed PostgreSQL server's programs (initdb, pg_ctl, postgres).</summary>
public sealed class PostgresBinaries
{
    /// <summary>The variable naming the folder, when no folder is given (this project does not reference shared).</summary>
    public const string DirectoryVariable = "ORCH_PG_BIN";

    private static readonly string[] RequiredPrograms = ["initdb", "pg_ctl", "postgres"];

    private PostgresBinaries(string directory) => Directory = directory;

    public string Directory { get; }

    public string InitDb => Path.Combine(Directory, "initdb");

    public string PgCtl => Path.Combine(Directory, "pg_ctl");

    /// <summary>
    /// Uses <paramref name="explicitDirectory"/> when given; else $ORCH_PG_BIN; else `pg_config --bindir`; else the newest
    /// `/usr/lib/postgresql/*/bin` (Debian and Ubuntu put the server there, off the PATH).
    /// </summary>
    public static PostgresBinaries Locate(string? explicitDirectory = null)
    {
        if (!string.IsNullOrWhiteSpace(explicitDirectory))
        {
            return Validate(explicitDirectory, $"the directory given ({explicitDirectory})");
        }

        var fromEnvironment = Environment.GetEnvironmentVariable(DirectoryVariable);
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            return Validate(fromEnvironment, $"{DirectoryVariable} ({fromEnvironment})");
        }

        var candidates = new List<string>();
        var fromPgConfig = AskPgConfig();
        if (fromPgConfig is not null)
        {
            candidates.Add(fromPgConfig);
        }

        candidates.AddRange(DebianServerDirectories());
        foreach (var candidate in candidates)
        {
            if (HasAllPrograms(candidate))
            {
                return new PostgresBinaries(candidate);
            }
        }

        var looked = candidates.Count == 0 ? "pg_config (not on PATH) and /usr/lib/postgresql/*/bin (none)" : string.Join(", ", candidates);
        throw new PostgresNotInstalledException(
            $"PostgreSQL server binaries (initdb, pg_ctl, postgres) were not found; looked in: {looked}. " +
            "Install the server (Debian/Ubuntu: `apt-get install postgresql`; Fedora: `dnf install postgresql-server`; " +
            $"macOS: `brew install postgresql`), or set {DirectoryVariable} to the directory that holds initdb.");
    }

    private static PostgresBinaries Validate(string directory, string description)
    {
        if (!HasAllPrograms(directory))
        {
            var missing = RequiredPrograms.Where(p => !File.Exists(Path.Combine(directory, p)));
            throw new PostgresNotInstalledException(
                $"PostgreSQL server binaries are missing from {description}: {string.Join(", ", missing)} not found. " +
                $"Point {DirectoryVariable} (or the bin-directory option) at the folder that holds initdb, pg_ctl and postgres " +
                "(`pg_config --bindir` prints it), or install the server (Debian/Ubuntu: `apt-get install postgresql`).");
        }

        return new PostgresBinaries(directory);
    }

    private static bool HasAllPrograms(string directory) =>
        RequiredPrograms.All(p => File.Exists(Path.Combine(directory, p)));

    private static IEnumerable<string> DebianServerDirectories()
    {
        const string root = "/usr/lib/postgresql";
        if (!System.IO.Directory.Exists(root))
        {
            return [];
        }

        return System.IO.Directory.GetDirectories(root)
            .Select(d => (Dir: d, Version: double.TryParse(Path.GetFileName(d), NumberStyles.Float, CultureInfo.InvariantCulture, out var v) ? v : 0))
            .OrderByDescending(x => x.Version)
            .Select(x => Path.Combine(x.Dir, "bin"));
    }

    private static string? AskPgConfig()
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("pg_config", "--bindir")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            });
            if (process is null)
            {
                return null;
            }

            var output = process.StandardOutput.ReadToEnd().Trim();
            process.WaitForExit();
            return process.ExitCode == 0 && output.Length > 0 ? output : null;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null; // pg_config is not on PATH
        }
    }
}

using System.Diagnostics;
using System.Text;

namespace Orchestrator.LocalPostgres;

/// <summary>
/// Runs PostgreSQL's programs as the right user: PostgreSQL refuses to run as root, so under root every
/// server program goes through `runuser -u postgres --`; as a normal user they run directly.
/// </summary>
internal sealed class ServerCommand
{
    public const string ServiceUser = "postgres";

    public static bool RunningAsRoot => string.Equals(Environment.UserName, "root", StringComparison.Ordinal);

    public static async Task<CommandResult> RunAsServerUserAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        if (!RunningAsRoot)
        {
            return await RunAsync(program, arguments, cancellationToken);
        }

        return await RunAsync("runuser", ["-u", ServiceUser, "--", program, .. arguments], cancellationToken);
    }

    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }

        // Server messages are parsed for diagnostics only, but keep them in English and free of the caller's locale.
        info.Environment["LC_MESSAGES"] = "C";
        using var process = new Process { StartInfo = info };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new LocalPostgresException($"Could not run {program}: {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await process.WaitForExitAsync(cancellationToken);
        lock (output)
        {
            return new CommandResult(process.ExitCode, output.ToString());
        }
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }
}

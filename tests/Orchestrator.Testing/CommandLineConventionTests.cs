using System.CommandLine;
using System.CommandLine.Help;
using Xunit;

namespace Orchestrator.Testing;

/// <summary>
/// What every command of `orch` and `orch-worker` must do (DESIGN.md §9.9): answer `--help` and `-h` with its usage
/// and exit 0, and refuse a misspelt option or command with exit 2 and the name that was meant. The commands are
/// found by walking the program's command tree, so a command added later is held to the same rules unasked.
/// </summary>
public abstract class CommandLineConventionTests
{
    /// <summary>Exit code of a wrong command line, in both programs.</summary>
    public const int UsageExitCode = 2;

    protected abstract RootCommand CreateRoot();

    /// <summary>Runs the program's command line in this process, as its Main does.</summary>
    protected abstract Task<int> RunAsync(string[] args, TextWriter output, TextWriter error);

    [Fact]
    public async Task Every_command_answers_help_and_h_with_its_usage_and_exit_0()
    {
        var commands = CommandPaths(CreateRoot(), []).ToList();
        Assert.True(commands.Count > 1, "the walk found no subcommands");
        foreach (var path in commands)
        {
            foreach (var help in new[] { "--help", "-h" })
            {
                var (code, output, error) = await RunCapturedAsync([.. path, help]);
                var call = string.Join(' ', [.. path, help]);
                Assert.True(code == 0, $"{call}: exit {code}; {error}");
                var usage = output.Split('\n').SkipWhile(l => l.Trim() != "Usage:").Skip(1).FirstOrDefault();
                Assert.True(usage is not null, $"{call} printed no usage:{Environment.NewLine}{output}");
                Assert.Contains(string.Join(' ', path), usage, StringComparison.Ordinal);
                Assert.True(error.Length == 0, $"{call} wrote to the error output: {error}");
            }
        }
    }

    [Fact]
    public async Task Every_option_of_every_command_misspelt_is_refused_with_exit_2_and_the_option_meant()
    {
        var root = CreateRoot();
        foreach (var path in CommandPaths(root, []))
        {
            foreach (var option in OptionsAt(root, path))
            {
                // One letter too many, early in the name: the option meant is one edit away, any other one further.
                var typo = option.Name[..3] + "q" + option.Name[3..];
                var (code, _, error) = await RunCapturedAsync([.. path, typo]);
                var call = string.Join(' ', [.. path, typo]);
                Assert.True(code == UsageExitCode, $"{call}: exit {code}; {error}");
                Assert.Contains($"'{typo}': did you mean '{option.Name}'?", error, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public async Task A_misspelt_command_is_refused_with_exit_2_and_the_command_meant()
    {
        foreach (var command in CreateRoot().Subcommands)
        {
            var typo = command.Name[..1] + "q" + command.Name[1..];
            var (code, _, error) = await RunCapturedAsync([typo]);
            Assert.True(code == UsageExitCode, $"{typo}: exit {code}; {error}");
            Assert.Contains($"'{typo}': did you mean '{command.Name}'?", error, StringComparison.Ordinal);
        }
    }

    /// <summary>Every command's words after the program name: [] for the program itself, then each subcommand's, depth first.</summary>
    public static IEnumerable<string[]> CommandPaths(Command command, string[] path)
    {
        ArgumentNullException.ThrowIfNull(command);
        yield return path;
        foreach (var sub in command.Subcommands)
        {
            foreach (var deeper in CommandPaths(sub, [.. path, sub.Name]))
            {
                yield return deeper;
            }
        }
    }

    /// <summary>The long options a user may give at a command: its own and its parents' recursive ones, help and version aside.</summary>
    private static IEnumerable<Option> OptionsAt(RootCommand root, string[] path)
    {
        var chain = new List<Command> { root };
        foreach (var word in path)
        {
            chain.Add(chain[^1].Subcommands.Single(c => c.Name == word));
        }

        return chain[^1].Options
            .Concat(chain.SkipLast(1).SelectMany(c => c.Options).Where(o => o.Recursive))
            .Where(o => o is not HelpOption and not VersionOption && o.Name.StartsWith("--", StringComparison.Ordinal));
    }

    private async Task<(int Code, string Output, string Error)> RunCapturedAsync(string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await RunAsync(args, output, error);
        return (code, output.ToString(), error.ToString());
    }
}

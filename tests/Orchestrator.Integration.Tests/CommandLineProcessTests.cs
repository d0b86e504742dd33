namespace Orchestrator.Integration.Tests;

/// <summary>
/// The built `orch` and `orch-worker` as their own processes: help named after the program, exit 2 with a
/// did-you-mean for a misspelt option, and nothing started by a command asked for its help.
/// </summary>
public sealed class CommandLineProcessTests : IDisposable
{
    private readonly string home = Directory.CreateTempSubdirectory("orch-cli-").FullName;

    [Fact]
    public async Task Orch_bench_help_prints_its_usage_instead_of_running_the_benchmark()
    {
        var help = await OrchProcess.RunAsync(["bench", "--help"], home);

        Assert.True(help.ExitCode == 0, help.Error);
        Assert.Contains("orch bench [options]", help.Output, StringComparison.Ordinal);
        Assert.Contains("--synchronous-commit", help.Output, StringComparison.Ordinal);
        Assert.Contains("--rounds", help.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("Queue benchmark", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orch_bench_refuses_zero_rounds_with_exit_2_before_starting_anything()
    {
        var refused = await OrchProcess.RunAsync(["bench", "--rounds", "0"], home);

        Assert.Equal(2, refused.ExitCode);
        Assert.Contains("--rounds must be at least 1, not 0", refused.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("Queue benchmark", refused.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orch_refuses_a_misspelt_option_with_exit_2_and_the_option_meant()
    {
        var typo = await OrchProcess.RunAsync(["demo", "--epoch", "1"], home);

        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("'--epoch': did you mean '--epochs'?", typo.Error, StringComparison.Ordinal);
        Assert.Contains("Try `orch demo --help`.", typo.Error, StringComparison.Ordinal);
        Assert.False(Directory.Exists(Path.Combine(home, "orch-demo")), "the demo ran");
    }

    [Fact]
    public async Task Orch_worker_train_help_prints_its_usage_and_exits_0()
    {
        var help = await WorkerProcess.RunAsync(["train", "--help"], home);

        Assert.True(help.ExitCode == 0, help.Error);
        Assert.Contains("orch-worker train [options]", help.Output, StringComparison.Ordinal);
        Assert.Contains("--job <job>", help.Output, StringComparison.Ordinal);
        Assert.Contains("--leased-job <leased-job>", help.Output, StringComparison.Ordinal);
        Assert.Contains("--out <out> (REQUIRED)", help.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orch_worker_refuses_a_misspelt_agent_option_with_exit_2_and_the_option_meant()
    {
        var typo = await WorkerProcess.RunAsync(["--devics", "cpu"], home);

        Assert.Equal(2, typo.ExitCode);
        Assert.Contains("'--devics': did you mean '--devices'?", typo.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Orch_worker_train_without_its_output_folder_is_a_wrong_command_line()
    {
        var missing = await WorkerProcess.RunAsync(["train", "--job", "job.yaml"], home);

        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("Option '--out' is required.", missing.Error, StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(home, recursive: true);
}

using Orchestrator.Worker.Engine;
using static TorchSharp.torch;

namespace Orchestrator.Worker.Tests.Engine;

/// <summary>The process settings the trainer applies before its first step take effect.</summary>
public sealed class TorchRuntimeTests
{
    [Fact]
    public void Denormals_are_flushed_to_zero_on_the_training_thread()
    {
        // Runs on its own thread, so the test host's threads keep their floating-point state.
        float before = float.NaN, after = float.NaN;
        var thread = new Thread(() =>
        {
            using var scope = NewDisposeScope();
            var denormal = tensor(new[] { 1e-39f });
            before = (denormal * 2).item<float>();
            TorchRuntime.FlushDenormalsOnThisThread();
            after = (denormal * 2).item<float>();
        });
        thread.Start();
        thread.Join();

        Assert.Equal(2e-39f, before);
        Assert.Equal(0f, after);
    }

    [SkippableFact]
    public void Glibc_accepts_keeping_freed_memory_in_the_process()
    {
        Skip.IfNot(File.Exists("/lib/x86_64-linux-gnu/libc.so.6"), "not a glibc x86-64 Linux host");
        Skip.If(
            Environment.GetEnvironmentVariables().Keys.Cast<string>().Any(name => name == "GLIBC_TUNABLES" || name.StartsWith("MALLOC_", StringComparison.Ordinal)),
            "the environment configures glibc's malloc itself, which the engine leaves alone");

        Assert.True(GlibcHeap.KeepFreedMemory());
    }
}

